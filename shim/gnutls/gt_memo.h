/*
 * gt_memo.h — the shim's own chain verdict, kept per session so that the
 * program's second verification of the same chain costs nothing.
 *
 * The shim verifies every client handshake's chain itself (gt_verify.c).
 * A careful program then asks GnuTLS the same question again: its
 * auto-verify (gnutls_session_set_verify_cert) inside the handshake, or
 * gnutls_certificate_verify_peers2/3 after it (wget). Both reach
 * gnutls_x509_trust_list_verify_crt2 through libgnutls's PLT, with the
 * program's own trust list, the session's chain, its typed data and its
 * flags as arguments. There, and only for a question the shim's verdict
 * provably answers (gt_memo.c says why), the hook answers "trusted" (0)
 * without verifying again; any other question goes to GnuTLS. OCSP, the
 * verify-depth limit and the verify output function stay GnuTLS's own
 * work around that call.
 */
#ifndef TG_GT_MEMO_H
#define TG_GT_MEMO_H

#include "gtls.h"

struct tg_gt_rec;

struct tg_gt_memo {
    tg_gt_tlist list;      /* the program's trust list that verified the chain */
    unsigned long gen;     /* tg_gt_memo_gen() before that verification */
    long long t0, t1;      /* time(NULL) before and after it */
    unsigned ncerts;       /* the peer's certificates, all of them verified */
    unsigned chain_ok : 1; /* the chain passed with `list` alone */
    unsigned valid : 1;    /* and the whole verdict passed for `host` */
    char host[256];        /* THE name the leaf was checked for */
};

/* Every change of any trust list or credentials' trust (hook_gt_trust.c)
 * moves the generation on, after the change; process-wide. The new
 * generation. */
unsigned long tg_gt_memo_trust_changed(void);
unsigned long tg_gt_memo_gen(void);
/* A call that may add a CRL or a PKCS#11 token to some trust list is
 * about to run: from now on a memo answers only within the second of its
 * verification (gt_memo.c: the window). */
void tg_gt_memo_window_off(void);
/* No memo is used again in this process: GnuTLS's clock is not time(2) any
 * more (gnutls_global_set_time_function), or a trust list asks the program
 * for missing issuers (gnutls_x509_trust_list_set_getissuer_function),
 * whose next answer nothing here can know. */
void tg_gt_memo_off(void);
/* 0 once tg_gt_memo_off has run. */
int tg_gt_memo_on(void);

/* The session whose peers the current thread asks about (set around the
 * program's gnutls_certificate_verify_peers* calls); the previous one. */
struct tg_gt_rec *tg_gt_memo_asking(struct tg_gt_rec *r);

/* The session asked about now (NULL: none). */
struct tg_gt_rec *tg_gt_memo_asked(void);
/* 1 if `certs` are `r`'s peer certificates, DER-equal one by one. */
int tg_gt_memo_peers_are(const struct tg_gtls *g, const struct tg_gt_rec *r, tg_gt_crt *certs,
                         unsigned n);

/* gt_verify.c: around the chain's verification against the program's own
 * list; `passed` 1 when it trusted the chain. */
void tg_gt_memo_before(struct tg_gt_memo *m);
void tg_gt_memo_after(struct tg_gt_memo *m, tg_gt_tlist own, unsigned ncerts, int passed);

/* The window (gt_memo.c) in two parts: the least notBefore/notAfter at or
 * after the memo's t0 of the peer's certificates `certs` (LLONG_MAX:
 * none); and the window's end given that, beyond the same second (the
 * list's CAs read, once per thread and generation), 0 if there is none. */
long long tg_gt_memo_peers_end(const struct tg_gtls *g, const struct tg_gt_memo *m,
                               tg_gt_crt *certs, unsigned n);
long long tg_gt_memo_window_end(const struct tg_gtls *g, const struct tg_gt_memo *m,
                                long long peers_end);

/* 1 (and *status = 0) when the memo of the session being asked about
 * answers this gnutls_x509_trust_list_verify_crt2 call, the same answer
 * for any time(2) in [memo t0, *until); 0: call GnuTLS. */
int tg_gt_memo_answer(const struct tg_gtls *g, tg_gt_tlist list, tg_gt_crt *certs, unsigned n,
                      const tg_gt_vdata *data, unsigned elements, unsigned flags, const void *func,
                      unsigned *status, long long *until);

#endif
