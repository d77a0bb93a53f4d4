/*
 * chain.h — verifying the peer's chain strictly, whatever the program's
 * verify parameters say.
 *
 * A program can weaken verification without VERIFY_NONE: no time check or
 * a time in the past, ignored critical extensions, any purpose, proxy
 * certificates, lax host flags. The shim's verdict is never weaker than
 * strict RFC 5280 / RFC 6125: the parameters of the verification libssl
 * set up (a copy made for it, never the program's own objects) are made
 * strict before it runs, and where the anchors must come from elsewhere
 * the chain is verified in a context of the shim's own.
 */
#ifndef TG_CHAIN_H
#define TG_CHAIN_H

#include "ossl.h"

/* Strict parameters for a server certificate: purpose and trust "SSL
 * server", the current time, critical extensions and no proxy
 * certificates, no wildcard or subject-name leniency in host checks. */
void tg_chain_make_strict(const struct tg_ossl *o, X509_VERIFY_PARAM *vp);

/* Verify the chain of `xs` against `store` in a context of our own, with
 * `xs`'s parameters made strict and our verify callback (which chains the
 * program's). The result (error, depth, chain) is copied into `xs` when
 * `copy`. Returns X509_verify_cert's result; *peername gets the name the
 * program set that OpenSSL matched (or "" ), at most n bytes. */
int tg_chain_verify_with(const struct tg_ossl *o, SSL *ssl, X509_STORE_CTX *xs, X509_STORE *store,
                         int copy, char *peername, size_t n, OPENSSL_STACK **chain);

/* 1 while a context of ours is being verified on this thread (our verify
 * callback then never lets the program's turn a failure into success, not
 * even in audit mode, and in audit mode does not call it twice). */
int tg_chain_in_own_ctx(void);
/* The verify error of this thread's last tg_chain_verify_with. */
int tg_chain_last_error(void);

/* 1 when a verify error means "no anchor for this chain" (another set of
 * anchors might still verify it). */
int tg_chain_error_is_untrusted(int err);

#endif
