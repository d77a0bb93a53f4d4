/*
 * gt_ask.h — the shim asks libgnutls the program's own question first.
 *
 * A program whose verify function is its own (gnutls-cli's) asks
 * gnutls_certificate_verify_peers inside the handshake, after the shim's
 * verdict. Where no stapled OCSP answer is in the session, the shim makes
 * that call itself first (gt_decide.c): libgnutls parses the chain once,
 * the shim's check runs on that parse (tg_gt_deferred_check), and when the
 * program's function then asks the same question of the same session, the
 * answer is the one libgnutls just gave, provably unchanged (gt_ask.c).
 */
#ifndef TG_GT_ASK_H
#define TG_GT_ASK_H

#include "gtls.h"

struct tg_gt_rec;
struct tg_gt_memo;

/* The typed data the shim's question carries: the form the program used
 * last (gnutls-cli's, name and TLS WWW server purpose, until one is
 * seen), for `host`; how many entries of `d` (at most 2). */
unsigned tg_gt_ask_data(const char *host, tg_gt_vdata d[2]);
/* 1 when the shim may ask libgnutls instead of parsing the chain itself:
 * no stapled OCSP answer is in the session (OCSP's own dates, and the
 * answer's effect on gnutls_ocsp_status_request_is_checked). */
int tg_gt_ask_may(const struct tg_gtls *g, const struct tg_gt_rec *r);

/* Around the shim's own gnutls_certificate_verify_peers call for `r`:
 * begin; the chain memo answered libgnutls's trust-list call inside it,
 * valid in [t0, until); end with what the call gave. */
void tg_gt_ask_begin(const struct tg_gtls *g, struct tg_gt_rec *r, const tg_gt_vdata *d,
                     unsigned n);
void tg_gt_ask_memo_hit(const struct tg_gtls *g, const struct tg_gt_memo *m, tg_gt_crt *certs,
                        unsigned n, long long until);
/* 1 while the shim's own question runs on this thread. */
int tg_gt_ask_probing(void);
void tg_gt_ask_end(const struct tg_gt_rec *r, int ret, unsigned status);
/* The program's function runs now (only it is answered); it has
 * returned: nothing is answered again. */
void tg_gt_ask_prog(void);
void tg_gt_ask_clear(void);
/* A setter of the question's inputs ran on `s` (any thread), or `s`
 * starts a handshake or is freed. */
void tg_gt_ask_forget(tg_gt_session s);

/* The program asks gnutls_certificate_verify_peers(s, d, n): 1 and *status
 * when the shim's own question answers it; 0: ask libgnutls. */
int tg_gt_ask_answer(const struct tg_gtls *g, tg_gt_session s, const tg_gt_vdata *d, unsigned n,
                     unsigned *status);

#endif
