/*
 * trust.h — trust anchors for programs that configured none.
 */
#ifndef TG_TRUST_H
#define TG_TRUST_H

#include "ossl.h"

#include "conn.h"

/* Give a client connection the default anchors if its program brought none
 * (also in audit mode, so the notes say what enforcing would decide: they
 * can only let a program that verifies, and failed for want of anchors,
 * reach a peer that verifies). 0 on failure. */
int tg_trust_apply(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c);

/* 1 when the program gave `ctx` trust anchors of its own. */
int tg_trust_ctx_has_anchors(const struct tg_ossl *o, SSL_CTX *ctx);

/* OpenSSL's default verify paths (honouring SSL_CERT_FILE/SSL_CERT_DIR),
 * loaded once per process on first need and shared; NULL on failure. */
X509_STORE *tg_trust_default_store(const struct tg_ossl *o);

/* OpenSSL 1.0.1 cannot give one connection its own verify store: the
 * defaults go into the context's store instead, once per context. */
int tg_trust_ctx_load_defaults(const struct tg_ossl *o, SSL_CTX *ctx);

#endif
