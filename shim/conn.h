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
    unsigned prepared : 1;    /* trust store, ciphers applied */
    unsigned established : 1; /* handshake finished and passed the policy */
    unsigned blocked : 1;     /* failed the policy: no application byte, ever */
    unsigned logged : 1;      /* the block's log line was written */
    unsigned leaf_ok : 1;     /* our verify callback accepted the leaf */
    unsigned is_server : 1;
    unsigned weak_dropped : 1; /* the cipher floor removed suites the program listed */
    unsigned policy_applied : 1; /* the fields below are set */
    unsigned audit : 1;       /* log what would be blocked, block nothing */
    unsigned pins_ok : 1;     /* the verified chain matched a pin */
    unsigned pins_expired : 1;
    unsigned trust_tentative : 1; /* default anchors given, pending a second look */
    unsigned host_is_ip : 1;  /* `host` is an address, checked against IP SANs */
    tg_info_fn prog_info_cb;  /* the program's own info callback, chained */
    int min_protocol;         /* TG_TLS1_2_VERSION or TG_TLS1_3_VERSION */
    const struct tg_pin *pins; /* into the policy, which lives for the process */
    size_t pin_count;
    long long pins_expire_at; /* -1: never */
    int policy_line;          /* the host block's line, 0 if none */
    tg_verify_fn prog_cb;     /* the program's own verify callback, chained */
    enum tg_reason reason;
    char detail[256];         /* why, for the log and the error queue */
    char host[256];           /* the name the certificate was checked against */
};

/* Contexts are shared between threads: the flags read outside a lock
 * (has_anchors, defaults_loaded, strong_ciphers) are read and written with
 * __atomic builtins. */
struct tg_ctx {
    int has_anchors;          /* the program loaded trust anchors itself */
    int defaults_loaded;      /* 1.0.1: the default paths went into its store */
    int policy_cas_added;     /* the policy's ca-file/ca-dir went into its store */
    uint64_t strong_ciphers;  /* fingerprint of a cipher list found free of
                                 weak suites (0: none yet) */
    tg_cert_verify_fn prog_cert_cb;
    void *prog_cert_arg;
};

int tg_conn_init(const struct tg_ossl *o);
/* The record of `ssl`; created when `create` (NULL only on OOM). */
struct tg_conn *tg_conn_get(const struct tg_ossl *o, SSL *ssl, int create);
/* Forget everything about `ssl` (SSL_clear starts a new connection). */
void tg_conn_reset(struct tg_conn *c);
struct tg_ctx *tg_ctx_get(const struct tg_ossl *o, SSL_CTX *ctx, int create);

/* A session made by a handshake that passed remembers the name its
 * certificate was verified for and the pin set its chain matched, so a
 * resumption (no certificate callback) to the same name and pins needs no
 * second look at the certificate. The mark is copied with the session
 * (TLS 1.3 tickets are copies). */
void tg_session_mark(const struct tg_ossl *o, SSL_SESSION *s, const struct tg_pin *pins,
                     const char *host, int host_is_ip);
const struct tg_pin *tg_session_pins(const struct tg_ossl *o, SSL_SESSION *s);
int tg_session_verified_for(const struct tg_ossl *o, SSL_SESSION *s, const char *host, int host_is_ip);

#endif
