/*
 * trust.h — whose trust anchors a client connection is verified against.
 *
 * Decided at the last moment, in the certificate check itself: a program
 * that configured anchors by any means before its peer's certificate
 * arrived (a CA file or directory, a store of its own, a verify store, a
 * hashed directory searched lazily, certificates added to the store) keeps
 * exactly those, never widened; one that configured none gets OpenSSL's
 * default paths, loaded once per process on first need. The policy's
 * ca-file/ca-dir count besides either.
 */
#ifndef TG_TRUST_H
#define TG_TRUST_H

#include "ossl.h"

/* 1 when `store` (the one this verification uses) holds, or can look up,
 * anchors the program chose for `ssl`. */
int tg_trust_program_has_anchors(const struct tg_ossl *o, SSL *ssl, X509_STORE *store);

/* OpenSSL's default verify paths (honouring SSL_CERT_FILE/SSL_CERT_DIR)
 * plus the policy's global anchors, loaded once per libssl copy on first
 * need and shared; NULL on failure. */
X509_STORE *tg_trust_default_store(const struct tg_ossl *o);

/* The policy's global anchors alone (for programs with anchors of their
 * own); NULL when the policy names none or they fail to load. */
X509_STORE *tg_trust_policy_store(const struct tg_ossl *o);

/* A host block's own anchors (ca-file/ca-dir inside `host`), one store
 * per distinct pair, loaded on first need; NULL if none or on failure. */
X509_STORE *tg_trust_host_store(const struct tg_ossl *o, const char *file, const char *dir);

#endif
