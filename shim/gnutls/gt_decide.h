/*
 * gt_decide.h — a GnuTLS client session driven through the core, in
 * backend.h's order: rules at handshake start, the certificate inside the
 * handshake (our verify function, which every handshake road runs), the
 * handshake's end or failure when gnutls_handshake returns; the core's
 * verdict applied GnuTLS's way (a failed handshake, refused records).
 */
#ifndef TG_GT_DECIDE_H
#define TG_GT_DECIDE_H

#include "gt_records.h"

/* The rules for what is known of the name before the handshake (no system
 * call); 0 when the policy is unusable (the reason is noted). */
int tg_gt_early_rules(const struct tg_gtls *g, struct tg_gt_rec *r);

/* The first handshake call of a handshake: rules, floor and suites, our
 * verify function in place. */
void tg_gt_start(const struct tg_gtls *g, struct tg_gt_rec *r);

/* The verify function installed on every client session. */
int tg_gt_verify_cb(tg_gt_session s);

/* `r`'s certificate check, when it waits for libgnutls's auto-verify
 * (`r->deferred`), on `certs`: the session's peer certificates as sent,
 * parsed by libgnutls for that verification. */
void tg_gt_deferred_check(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_crt *certs,
                          unsigned n);

/* What gnutls_handshake returns to the program, given what libgnutls
 * returned: a finished handshake that did not pass becomes
 * GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR; a failure the floor caused is
 * logged as a block. */
int tg_gt_judge(const struct tg_gtls *g, struct tg_gt_rec *r, int ret);

/* Block `r` now for the reason noted on its verdict (log once); the error
 * to hand the program. */
int tg_gt_block(const struct tg_gtls *g, struct tg_gt_rec *r);

#endif
