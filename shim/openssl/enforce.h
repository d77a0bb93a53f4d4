/*
 * enforce.h — the policy applied to one connection, just in time.
 *
 * Whatever the program configured on the context or the connection, by
 * whichever API or ctrl, the last word is here: at each handshake's start
 * (from the info callback, inside libssl, on every road) the floor,
 * suites, verification and the offered session are set on the SSL itself;
 * the certificate check (verify.c) decides trust, name and pins; at the
 * handshake's end the result is judged again, and a refused SSL is shut
 * so that libssl itself moves no further byte. The hooks on the exported
 * entry points only turn the outcome into return values and errors.
 */
#ifndef TG_ENFORCE_H
#define TG_ENFORCE_H

#include "conn.h"
#include "ossl.h"

enum tg_entry {
    TG_ENTRY_CONNECT,   /* SSL_connect */
    TG_ENTRY_ACCEPT,    /* SSL_accept */
    TG_ENTRY_HANDSHAKE, /* SSL_do_handshake, or an implicit handshake in I/O */
};

/* The info callback's three moments (callbacks.c). */
void tg_enforce_start(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c);
void tg_enforce_step(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c);
void tg_enforce_done(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c);
/* A handshake call returns a failure (info callback, every road), after
 * OpenSSL put its own errors on the queue. */
void tg_enforce_exit(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c);

/* A blocked connection's socket shut both ways, once libssl has sent what
 * it had to (the exit callback; the hooks after their call). */
void tg_enforce_shut_transport(const struct tg_ossl *o, SSL *ssl, const struct tg_conn *c);

/* What was negotiated, as facts for tg_decide (verdict.h): the protocol
 * and suite the peer chose, checked as soon as they are known (the
 * certificate check) and again at the end. */
void tg_enforce_negotiated_facts(const struct tg_ossl *o, SSL *ssl, struct tg_facts *f);

/* Run one handshake step through the policy. Returns what the real call
 * returned, or -1 when the policy blocks the connection. */
int tg_handshake(const struct tg_ossl *o, SSL *ssl, enum tg_entry entry);

/* Before application I/O: 1 when data may flow; otherwise the value the
 * I/O call must fail with (<= 0, -1 when blocked), its error state set. */
int tg_io_gate(const struct tg_ossl *o, SSL *ssl);

/* After an I/O call failed: if the shim refused the connection inside it,
 * the last error names tlsguard. */
void tg_io_failed(const struct tg_ossl *o, SSL *ssl);

#endif
