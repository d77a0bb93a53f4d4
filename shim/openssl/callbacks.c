/*
 * callbacks.c — the info callback: the policy applied at each handshake's
 * start and judged at its end, inside libssl, on every road.
 */
#include "callbacks.h"
#include "enforce.h"
#include "libs.h"
#include "verify.h"

void tg_info_cb(const SSL *cssl, int where, int ret)
{
    /* Called by the libssl of the copy that runs the handshake. */
    const struct tg_ossl *o = tg_libs_for(__builtin_return_address(0));
    SSL *ssl = (SSL *)cssl; /* ours to configure: the callback gets it const */
    struct tg_conn *c = o ? tg_conn_get(o, ssl, 1) : NULL;
    if (!c)
        return;
    if (where & TG_CB_HANDSHAKE_START)
        tg_enforce_start(o, ssl, c);
    else if (where & TG_CB_HANDSHAKE_DONE)
        tg_enforce_done(o, ssl, c);
    else if (where & TG_CB_LOOP)
        tg_enforce_step(o, ssl, c);
    else if (where & TG_CB_EXIT) {
        if (ret <= 0)
            tg_enforce_exit(o, ssl, c);
        /* The call is over and its alert sent: a blocked connection's
         * socket is shut now, on every road (the hooks see only some). */
        tg_enforce_shut_transport(o, ssl, c);
    }
    /* The program's own callback last: at handshake-done it sees the
     * verdict already in force (a blocked SSL refuses its writes). */
    tg_info_fn prog = tg_conn_prog_info_cb(o, ssl, c);
    if (prog && prog != tg_info_cb)
        prog(cssl, where, ret);
}

void tg_callbacks_ctx_setup(const struct tg_ossl *o, SSL_CTX *ctx)
{
    struct tg_ctx *t = tg_ctx_get(o, ctx, 1);
    if (!t)
        return;
    o->SSL_CTX_set_info_callback(ctx, tg_info_cb);
    o->SSL_CTX_set_verify(ctx, o->SSL_CTX_get_verify_mode(ctx), tg_verify_cb);
    o->SSL_CTX_set_cert_verify_callback(ctx, tg_cert_verify_cb, ctx);
}

void tg_callbacks_ssl_setup(const struct tg_ossl *o, SSL *ssl)
{
    SSL_CTX *ctx = o->SSL_get_SSL_CTX(ssl);
    struct tg_ctx *t = tg_ctx_get(o, ctx, 0);
    if (t) /* a context we set up: the SSL inherited everything */
        return;
    struct tg_conn *c = tg_conn_get(o, ssl, 1);
    if (!c)
        return;
    /* What the program had is its own, kept and chained. */
    tg_verify_fn cb = o->SSL_get_verify_callback(ssl);
    if (cb != tg_verify_cb && !c->prog_verify_set) {
        c->prog_verify_set = 1;
        c->prog_verify_cb = cb;
    }
    tg_info_fn info = o->SSL_get_info_callback(ssl);
    if (info != tg_info_cb && !c->prog_info_set) {
        c->prog_info_set = 1;
        c->prog_info_cb = info ? info : o->SSL_CTX_get_info_callback(ctx);
    }
    o->SSL_set_info_callback(ssl, tg_info_cb);
    o->SSL_set_verify(ssl, o->SSL_get_verify_mode(ssl), tg_verify_cb);
    tg_callbacks_ctx_setup(o, ctx); /* its certificate-verify callback */
}
