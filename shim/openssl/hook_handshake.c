/*
 * hook_handshake.c — the explicit roads to a handshake. Each is a
 * trampoline: re-entry from inside libssl on the same SSL passes through;
 * everything else goes through tg_handshake.
 */
#include "conn.h"
#include "enforce.h"
#include "guard.h"
#include "enter.h"

__thread const void *tg_guard_obj;

TG_EXPORT int SSL_connect(SSL *ssl)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return -1;
    if (tg_guard_is(ssl))
        return o->SSL_connect(ssl);
    return tg_handshake(o, ssl, TG_ENTRY_CONNECT);
}

TG_EXPORT int SSL_accept(SSL *ssl)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return -1;
    if (tg_guard_is(ssl))
        return o->SSL_accept(ssl);
    return tg_handshake(o, ssl, TG_ENTRY_ACCEPT);
}

/* Python's ssl module and BIO_do_handshake on a BIO_f_ssl come this way. */
TG_EXPORT int SSL_do_handshake(SSL *ssl)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return -1;
    if (tg_guard_is(ssl))
        return o->SSL_do_handshake(ssl);
    return tg_handshake(o, ssl, TG_ENTRY_HANDSHAKE);
}

/* SSL_clear readies the object for a new connection: the policy starts
 * over for it (1.0.x's handshake calls it internally: those pass through). */
TG_EXPORT int SSL_clear(SSL *ssl)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return 0;
    int r = o->SSL_clear(ssl);
    if (r == 1 && !tg_guard_is(ssl)) {
        struct tg_conn *c = tg_conn_get(o, ssl, 0);
        if (c)
            tg_conn_reset(c);
    }
    return r;
}
