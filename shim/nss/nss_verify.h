/*
 * nss_verify.h — the NSS backend's judgements, in shim/core/backend.h's
 * order: the certificate (from inside the auth-certificate hook), the
 * handshake's end (the handshake callback), and what a verdict does to the
 * socket.
 */
#ifndef TG_NSS_VERIFY_H
#define TG_NSS_VERIFY_H

#include "nss_backend.h"

/* The peer's chain, THE name and the pins: 1 when they pass (or audit
 * lets them), 0 when the socket is now blocked (its error set). */
int tg_nss_check_certificate(const struct tg_nss *n, struct tg_nss_rec *r);

/* After a pass of tg_nss_check_certificate: the program's own check of
 * `fd` (its hook, else NSS's SSL_AuthCertificate, as NSS would run it),
 * whose SSL_AuthCertificate may be answered from ours (hook_nss_auth.c). */
tg_nss_status tg_nss_auth_after_check(const struct tg_nss *n, struct tg_nss_rec *r, tg_pr_fd *fd,
                                      tg_nss_bool check_sig, tg_nss_bool is_server);

/* The handshake finished: block one our check never passed, log allowed
 * ones. 1 when it may carry data. */
int tg_nss_check_end(const struct tg_nss *n, struct tg_nss_rec *r);

/* A handshake NSS itself failed with `err`: log a floor refusal once. */
void tg_nss_check_failure(const struct tg_nss *n, struct tg_nss_rec *r, int32_t err);

#endif
