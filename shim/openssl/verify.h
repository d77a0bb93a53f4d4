/*
 * verify.h — certificate and host name verification, chained in front of
 * whatever the program installed.
 */
#ifndef TG_VERIFY_H
#define TG_VERIFY_H

#include "conn.h"
#include "ossl.h"

/* Our verify callback, on every context and SSL: it calls the program's
 * callback but never lets it turn a failure into success. */
int tg_verify_cb(int preverify_ok, X509_STORE_CTX *xs);

/* Our certificate-verify callback, on every context (`arg` is the
 * SSL_CTX): for a client, a strict verification against the right anchors,
 * the connection's name and its pins, then the program's own callback if
 * it set one (which can only refuse more). */
int tg_cert_verify_cb(X509_STORE_CTX *xs, void *arg);

#endif
