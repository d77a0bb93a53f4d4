/*
 * verify.h — certificate and host name verification, chained in front of
 * whatever the program installed.
 */
#ifndef TG_VERIFY_H
#define TG_VERIFY_H

#include "conn.h"
#include "ossl.h"

/* Our verify callback: installed on every client SSL before its handshake.
 * It calls the program's callback but never lets it turn a failure into
 * success, and checks the leaf against the peer's name. */
int tg_verify_cb(int preverify_ok, X509_STORE_CTX *xs);

/* Replaces a program's SSL_CTX_set_cert_verify_callback: real verification
 * first, then the program's callback (which can only refuse more). `arg` is
 * the SSL_CTX. */
int tg_cert_verify_cb(X509_STORE_CTX *xs, void *arg);

/* 1 when `leaf` is valid for the peer of `ssl`; else 0 with the reason
 * recorded in `c`. Sets c->host to the name checked. `resumed`: the session
 * being resumed, whose mark may already vouch for the name. */
int tg_verify_name(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c, X509 *leaf,
                   SSL_SESSION *resumed);

#endif
