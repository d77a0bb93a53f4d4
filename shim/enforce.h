/*
 * enforce.h — the policy applied to one connection, just in time.
 *
 * Whatever the program configured on the context or the connection, by
 * whichever API or ctrl, the last word is here: right before each handshake
 * step the floor and verification are (re)applied to the SSL itself, and
 * right after the handshake the result is checked again.
 */
#ifndef TG_ENFORCE_H
#define TG_ENFORCE_H

#include "ossl.h"

enum tg_entry {
    TG_ENTRY_CONNECT,   /* SSL_connect */
    TG_ENTRY_ACCEPT,    /* SSL_accept */
    TG_ENTRY_HANDSHAKE, /* SSL_do_handshake, or an implicit handshake in I/O */
};

/* Run one handshake step through the policy. Returns what the real call
 * returned, or -1 when the policy blocks the connection. */
int tg_handshake(const struct tg_ossl *o, SSL *ssl, enum tg_entry entry);

/* Before application I/O: 1 when data may flow; otherwise the value the
 * I/O call must fail with (<= 0, -1 when blocked), its error state set. */
int tg_io_gate(const struct tg_ossl *o, SSL *ssl);

#endif
