/*
 * conn.h — what the shim remembers about each SSL and SSL_CTX, kept in
 * OpenSSL's own ex-data so a lookup is one pointer fetch and the record dies
 * with its object.
 */
#ifndef TG_CONN_H
#define TG_CONN_H

#include "ossl.h"
#include "rules.h"
#include "verdict.h"

#include <stdint.h>

struct tg_conn {
    /* What the program itself set, kept across SSL_clear: */
    unsigned prog_verify_set : 1; /* it called SSL_set_verify on this SSL */
    unsigned prog_info_set : 1;   /* it called SSL_set_info_callback on this SSL */
    unsigned prog_mode_known : 1; /* prog_verify_mode is the program's */
    int prog_verify_mode;
    tg_verify_fn prog_verify_cb;
    tg_info_fn prog_info_cb;
    char prog_host[256]; /* what it set with SSL_set1_host (1.1.0+), "" if nothing */
    /* The connection's own, from `rules` to the end: tg_conn_reset zeroes it. */
    struct tg_rules rules; /* what the policy says for the connection's name */
    struct tg_verdict v;   /* what the core concluded, and the name it is judged for */
    const char *anchors_file, *anchors_dir; /* the host anchors the chain verified with */
    unsigned started : 1;                   /* a handshake began under the policy (info callback) */
    unsigned established : 1;               /* handshake finished and passed the policy */
    unsigned chain_ok : 1;                  /* this handshake's chain passed our verification */
    unsigned is_server : 1;
    unsigned weak_dropped : 1; /* the cipher floor removed suites the program listed */
    unsigned floor_raised : 1; /* the protocol floor changed what the program asked for */
    unsigned resumed_ok : 1;   /* the session offered was verified for this name */
};

/* Contexts are shared between threads: the flags read outside a lock
 * are read and written with __atomic builtins. */
struct tg_ctx {
    int has_anchors;         /* the program loaded trust anchors itself */
    uint64_t strong_ciphers; /* fingerprint of a cipher list found free of
                                 weak suites (0: none yet) */
    tg_cert_verify_fn prog_cert_cb;
    void *prog_cert_arg;
    tg_verify_fn prog_verify_cb; /* what the program set with SSL_CTX_set_verify */
    int prog_verify_mode;
    tg_info_fn prog_info_cb; /* ... and with SSL_CTX_set_info_callback */
};

int tg_conn_init(const struct tg_ossl *o);
/* The record of `ssl`; created when `create` (NULL only on OOM). */
struct tg_conn *tg_conn_get(const struct tg_ossl *o, SSL *ssl, int create);
/* Forget everything about `ssl` (SSL_clear starts a new connection). */
void tg_conn_reset(struct tg_conn *c);
struct tg_ctx *tg_ctx_get(const struct tg_ossl *o, SSL_CTX *ctx, int create);

/* The program's own verify callback and mode for `ssl` (SSL-level if it
 * set one, else its context's). */
tg_verify_fn tg_conn_prog_verify_cb(const struct tg_ossl *o, const SSL *ssl,
                                    const struct tg_conn *c);
tg_info_fn tg_conn_prog_info_cb(const struct tg_ossl *o, const SSL *ssl, const struct tg_conn *c);

#endif
