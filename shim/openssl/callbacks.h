/*
 * callbacks.h — the callbacks the shim installs on every context and keeps
 * installed, chaining the program's own.
 *
 * They are where the decisions happen: libssl runs them inside its own
 * handshake on every road (SSL_connect, implicit handshakes in SSL_read,
 * the SSL BIO's internal calls, a -Bsymbolic libssl), whichever function
 * the program called. The exported hooks only translate the result into
 * error codes and texts.
 */
#ifndef TG_CALLBACKS_H
#define TG_CALLBACKS_H

#include "conn.h"
#include "ossl.h"

/* SSL_CB_* bits (the same from 1.0.1 to 3.x). */
#define TG_CB_LOOP            0x01
#define TG_CB_EXIT            0x02 /* a handshake call returns; ret <= 0: failed or would block */
#define TG_CB_HANDSHAKE_START 0x10
#define TG_CB_HANDSHAKE_DONE  0x20

void tg_info_cb(const SSL *ssl, int where, int ret);

/* Install our info, verify and certificate-verify callbacks on a new
 * context (its record made too). */
void tg_callbacks_ctx_setup(const struct tg_ossl *o, SSL_CTX *ctx);
/* The same on one connection whose context we never set up (made before
 * the shim could see it): from the first hook that meets it. */
void tg_callbacks_ssl_setup(const struct tg_ossl *o, SSL *ssl);

#endif
