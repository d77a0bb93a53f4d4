/*
 * nss_records.h — what the shim keeps per NSS socket, in a side table
 * keyed by the PRFileDesc the program holds (NSS has no ex-data): the
 * program's own hooks (ours stay installed, theirs are chained), the rules
 * and the verdict. A socket's record is freed when the socket is closed
 * (the guard layer's close, nss_guard.c).
 */
#ifndef TG_NSS_RECORDS_H
#define TG_NSS_RECORDS_H

#include "nss_api.h"
#include "rules.h"
#include "verdict.h"

/* The program's own hooks on a socket, NULL: none (ours stay installed). */
struct tg_nss_prog_hooks {
    tg_nss_auth_fn auth;
    void *auth_arg;
    tg_nss_bad_fn bad;
    void *bad_arg;
    tg_nss_hs_fn hs;
    void *hs_arg;
};

struct tg_nss_rec {
    tg_pr_fd *fd; /* the key: the socket's top descriptor */
    struct tg_nss_prog_hooks prog;
    struct tg_rules rules;
    struct tg_verdict verdict;
    int32_t error;        /* the NSS error a blocked socket reports */
    unsigned checked : 1; /* our certificate check passed this handshake */
    unsigned guarded : 1; /* the guard layer is under it */
    /* Our check of this handshake asked NSS's own question, SSL_AuthCertificate's
     * (CERT_VerifyCert of `answered_leaf` in `answered_db`, signatures
     * checked, for a TLS server, no anchor lent; CERT_VerifyCertName for
     * the URL, kept in verdict.host) and got yes: hook_nss_auth.c answers
     * that question from
     * it while the program's hook runs. Written and read by the handshake's
     * thread only. */
    unsigned char answered;
    unsigned char certs_seen; /* certificates checked on this socket, up to 2 */
    const void *answered_db;
    const tg_nss_cert *answered_leaf;
    struct tg_nss_rec *next;
};

/* The record of `fd`, made (zeroed) when `create` and there is none; NULL
 * when there is none or memory ran out. Records stay valid until
 * tg_nss_rec_free. */
struct tg_nss_rec *tg_nss_rec_get(tg_pr_fd *fd, int create);

/* 1 once any record was made (then NSS is resolved): until then no
 * descriptor can be one of the shim's sockets. */
int tg_nss_rec_any(void);

/* Forget `fd`'s record. */
void tg_nss_rec_free(tg_pr_fd *fd);

#endif
