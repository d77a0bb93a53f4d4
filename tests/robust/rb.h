/*
 * rb.h — what the robustness programs share: a TCP connect through the
 * resolver (so the shim's getaddrinfo hook sees the name), a context as a
 * legacy program makes it (no verification, no trust anchors), and one
 * connection judged the way the shim promises to behave.
 *
 * Every program here is an ordinary OpenSSL client: it knows nothing of
 * tlsguard except the text the shim puts on the error queue.
 */
#ifndef TG_ROBUST_RB_H
#define TG_ROBUST_RB_H

#include <openssl/ssl.h>
#include <stddef.h>

enum rb_result {
    RB_OK,      /* handshake passed and the payload was written */
    RB_BLOCKED, /* handshake failed with tlsguard's error, and a later write failed too */
    RB_ERROR,   /* anything else: a setup failure, a failure without tlsguard's error,
                   a write that went through after a failed handshake */
};

/* "HOST:PORT" -> host (static buffer per call site's choosing) and port. */
int rb_parse_peer(const char *s, char *host, size_t n, int *port);

/* getaddrinfo(host) + blocking connect; -1 on failure (errno set). */
int rb_tcp_connect(const char *host, int port);

/* What a program must do before its first OpenSSL call, and before it
 * starts threads, on OpenSSL 1.0.x (rb_threads and rb_fork, the programs
 * built for 1.0.x too, call it first): SSL_library_init and locking
 * callbacks. Nothing from 1.1.0 on, which does both itself. */
void rb_openssl_init(void);

/* A legacy client context: TLS_client_method (SSLv23_client_method before
 * 1.1.0), SSL_VERIFY_NONE, no anchors. */
SSL_CTX *rb_legacy_ctx(void);

/* One connection on `ctx` to host:port: SNI host, SSL_connect, then one
 * write of `payload`. On anything but RB_OK, `why` says what happened.
 * Leaves this thread's error queue empty. */
enum rb_result rb_connect_once(SSL_CTX *ctx, const char *host, int port, const char *payload,
                               char *why, size_t n);

const char *rb_result_name(enum rb_result r);

/* Monotonic seconds. */
double rb_now(void);

#endif
