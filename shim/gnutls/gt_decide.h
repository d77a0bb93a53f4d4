/*
 * gt_decide.h — a GnuTLS client session's policy and verdict: settings at
 * handshake start, the check inside the handshake (our verify function,
 * which every handshake road runs), the judgement when it returns, and the
 * one log line.
 */
#ifndef TG_GT_DECIDE_H
#define TG_GT_DECIDE_H

#include "gt_records.h"

/* Record why `r` fails the policy (the first reason wins). */
void tg_gt_reason(struct tg_gt_rec *r, enum tg_gt_reason why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The policy's settings for `name` (NULL: not known yet); 0 when the
 * policy is unusable (then the reason is recorded). */
int tg_gt_policy(struct tg_gt_rec *r, const char *name);

/* The first handshake call of a handshake: policy for the early name,
 * floor and suites, our verify function in place. */
void tg_gt_start(const struct tg_gtls *g, struct tg_gt_rec *r);

/* The verify function installed on every client session. */
int tg_gt_verify_cb(tg_gt_session s);

/* What gnutls_handshake returns to the program, given what libgnutls
 * returned: a finished handshake that did not pass becomes
 * GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR; a failure the floor caused is
 * logged as a block. */
int tg_gt_judge(const struct tg_gtls *g, struct tg_gt_rec *r, int ret);

/* Block `r` now (log once); the error to hand the program. */
int tg_gt_block(const struct tg_gtls *g, struct tg_gt_rec *r);

/* The negotiated suite's name, for the log. */
const char *tg_gt_suite_name(const struct tg_gtls *g, const struct tg_gt_rec *r);

#endif
