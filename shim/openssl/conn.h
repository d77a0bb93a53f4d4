/*
 * conn.h — what the shim remembers about each SSL and SSL_CTX, kept in
 * OpenSSL's own ex-data so a lookup is one pointer fetch and the record dies
 * with its object.
 */
#ifndef TG_CONN_H
#define TG_CONN_H

#include "ossl.h"
#include "policy.h"

#include <stdint.h>

enum tg_reason {
    TG_R_NONE = 0,
    TG_R_PROTOCOL,   /* peer cannot meet the protocol floor */
    TG_R_CIPHER,     /* peer offers only suites the cipher floor removed */
    TG_R_CERT,       /* certificate verification failed */
    TG_R_NAME,       /* certificate not valid for the name */
    TG_R_NO_NAME,    /* no name or address to check the certificate against */
    TG_R_UNVERIFIED, /* the handshake finished without our verification */
    TG_R_PIN,        /* no certificate of the chain matches the host's pins */
    TG_R_POLICY,     /* the policy file is invalid or unreadable */
    TG_R_BLOCKED,    /* I/O on a connection blocked earlier */
    TG_R_INTERNAL,   /* the shim could not apply the policy */
    TG_R_COUNT
};

struct tg_conn {
    unsigned started : 1;     /* a handshake began under the policy (info callback) */
    unsigned established : 1; /* handshake finished and passed the policy */
    unsigned blocked : 1;     /* failed the policy: no application byte, ever */
    unsigned logged : 1;      /* the block's log line was written */
    unsigned chain_ok : 1;    /* this handshake's chain passed our verification */
    unsigned is_server : 1;
    unsigned weak_dropped : 1; /* the cipher floor removed suites the program listed */
    unsigned floor_raised : 1; /* the protocol floor changed what the program asked for */
    unsigned policy_applied : 1; /* the policy fields below are set */
    unsigned audit : 1;       /* log what would be blocked, block nothing */
    unsigned pins_ok : 1;     /* the verified chain matched a pin */
    unsigned pins_expired : 1;
    unsigned host_is_ip : 1;  /* `host` is an address, checked against IP SANs */
    unsigned resumed_ok : 1;  /* the session offered was verified for this name */
    /* What the program itself set, kept across SSL_clear: */
    unsigned prog_verify_set : 1; /* it called SSL_set_verify on this SSL */
    unsigned prog_info_set : 1;   /* it called SSL_set_info_callback on this SSL */
    unsigned prog_mode_known : 1; /* prog_verify_mode is the program's */
    int prog_verify_mode;
    tg_verify_fn prog_verify_cb;
    tg_info_fn prog_info_cb;
    char prog_host[256];      /* what it set with SSL_set1_host (1.1.0+), "" if nothing */
    /* The policy's settings for policy_host (pins and paths point into the
     * policy, which lives for the process); min_protocol is the wire number
     * OpenSSL uses too (TG_TLS1_2_VERSION, TG_TLS1_3_VERSION). */
    struct tg_host_settings settings;
    const char *anchors_file, *anchors_dir; /* the host anchors the chain verified with */
    enum tg_reason reason;
    char detail[256];         /* why, for the log and the error queue */
    char host[256];           /* the name the connection is judged for */
    char policy_host[256];    /* the name the policy was looked up for */
};

/* Contexts are shared between threads: the flags read outside a lock
 * are read and written with __atomic builtins. */
struct tg_ctx {
    int has_anchors;          /* the program loaded trust anchors itself */
    uint64_t strong_ciphers;  /* fingerprint of a cipher list found free of
                                 weak suites (0: none yet) */
    tg_cert_verify_fn prog_cert_cb;
    void *prog_cert_arg;
    tg_verify_fn prog_verify_cb; /* what the program set with SSL_CTX_set_verify */
    int prog_verify_mode;
    tg_info_fn prog_info_cb;     /* ... and with SSL_CTX_set_info_callback */
};

int tg_conn_init(const struct tg_ossl *o);
/* The record of `ssl`; created when `create` (NULL only on OOM). */
struct tg_conn *tg_conn_get(const struct tg_ossl *o, SSL *ssl, int create);
/* Forget everything about `ssl` (SSL_clear starts a new connection). */
void tg_conn_reset(struct tg_conn *c);
struct tg_ctx *tg_ctx_get(const struct tg_ossl *o, SSL_CTX *ctx, int create);

/* The program's own verify callback and mode for `ssl` (SSL-level if it
 * set one, else its context's). */
tg_verify_fn tg_conn_prog_verify_cb(const struct tg_ossl *o, const SSL *ssl, const struct tg_conn *c);
tg_info_fn tg_conn_prog_info_cb(const struct tg_ossl *o, const SSL *ssl, const struct tg_conn *c);

#endif
