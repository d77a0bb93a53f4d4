/*
 * hook_callbacks.c — the program sets its callbacks; ours stay installed.
 * Its own are remembered and chained (callbacks.c, verify.c), and the
 * getters give back exactly what it set, so code that reads a callback
 * and sets it again (Python's _ssl does) never chains us to ourselves.
 */
#include "callbacks.h"
#include "conn.h"
#include "enter.h"
#include "verify.h"

#include <string.h>

TG_EXPORT void SSL_CTX_set_info_callback(SSL_CTX *ctx, tg_info_fn cb)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    struct tg_ctx *t = o ? tg_ctx_get(o, ctx, 1) : NULL;
    if (!t)
        return;
    if (cb != tg_info_cb)
        t->prog_info_cb = cb;
    o->SSL_CTX_set_info_callback(ctx, tg_info_cb);
}

TG_EXPORT void SSL_set_info_callback(SSL *ssl, tg_info_fn cb)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    struct tg_conn *c = o ? tg_conn_get(o, ssl, 1) : NULL;
    if (!c)
        return;
    if (cb != tg_info_cb) {
        c->prog_info_set = cb != NULL; /* NULL: back to the context's */
        c->prog_info_cb = cb;
    }
    o->SSL_set_info_callback(ssl, tg_info_cb);
}

TG_EXPORT tg_info_fn SSL_CTX_get_info_callback(const SSL_CTX *ctx)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    struct tg_ctx *t = o ? tg_ctx_get(o, (SSL_CTX *)ctx, 0) : NULL;
    if (!o)
        return NULL;
    if (t)
        return t->prog_info_cb;
    tg_info_fn cb = o->SSL_CTX_get_info_callback(ctx);
    return cb == tg_info_cb ? NULL : cb;
}

TG_EXPORT tg_info_fn SSL_get_info_callback(const SSL *ssl)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    struct tg_conn *c = o ? tg_conn_get(o, (SSL *)ssl, 0) : NULL;
    if (!o)
        return NULL;
    if (c && c->prog_info_set)
        return c->prog_info_cb;
    tg_info_fn cb = o->SSL_get_info_callback(ssl);
    return cb == tg_info_cb ? NULL : cb;
}

TG_EXPORT void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, tg_verify_fn cb)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    struct tg_ctx *t = o ? tg_ctx_get(o, ctx, 1) : NULL;
    if (!o)
        return;
    if (!t) { /* no memory to chain it: keep OpenSSL's verdict, mode as asked */
        o->SSL_CTX_set_verify(ctx, mode, cb);
        return;
    }
    if (cb != tg_verify_cb)
        t->prog_verify_cb = cb;
    t->prog_verify_mode = mode;
    o->SSL_CTX_set_verify(ctx, mode, tg_verify_cb);
}

TG_EXPORT void SSL_set_verify(SSL *ssl, int mode, tg_verify_fn cb)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    struct tg_conn *c = o ? tg_conn_get(o, ssl, 1) : NULL;
    if (!o)
        return;
    if (!c) {
        o->SSL_set_verify(ssl, mode, cb);
        return;
    }
    if (cb != tg_verify_cb) {
        c->prog_verify_set = 1;
        c->prog_verify_cb = cb;
    }
    c->prog_verify_mode = mode;
    c->prog_mode_known = 1;
    /* In the middle of a client handshake under the policy, verification
     * stays on: between two non-blocking steps is no time to turn it off. */
    if (c->started && !c->is_server && !c->rules.audit && !c->established)
        mode |= TG_VERIFY_PEER;
    o->SSL_set_verify(ssl, mode, tg_verify_cb);
}

TG_EXPORT tg_verify_fn SSL_CTX_get_verify_callback(const SSL_CTX *ctx)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    struct tg_ctx *t = o ? tg_ctx_get(o, (SSL_CTX *)ctx, 0) : NULL;
    if (!o)
        return NULL;
    if (t)
        return t->prog_verify_cb;
    tg_verify_fn cb = o->SSL_CTX_get_verify_callback(ctx);
    return cb == tg_verify_cb ? NULL : cb;
}

TG_EXPORT tg_verify_fn SSL_get_verify_callback(const SSL *ssl)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return NULL;
    struct tg_conn *c = tg_conn_get(o, (SSL *)ssl, 0);
    tg_verify_fn cb = o->SSL_get_verify_callback(ssl);
    if (cb != tg_verify_cb)
        return cb;
    return tg_conn_prog_verify_cb(o, ssl, c);
}

/* 1.1.0+: the name the program wants the certificate checked for, which
 * ranks first for the policy and the log (before 3.0 the parameters it
 * lands in cannot be read back). */
static void note_host(const struct tg_ossl *o, SSL *ssl, const char *name, int first)
{
    struct tg_conn *c = tg_conn_get(o, ssl, 1);
    if (c && name && (first || !c->prog_host[0]) && strlen(name) < sizeof c->prog_host)
        memcpy(c->prog_host, name, strlen(name) + 1);
    else if (c && !name && first)
        c->prog_host[0] = '\0';
}

TG_EXPORT int SSL_set1_host(SSL *ssl, const char *name)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o || !o->SSL_set1_host)
        return 0;
    int r = o->SSL_set1_host(ssl, name);
    if (r == 1)
        note_host(o, ssl, name, 1);
    return r;
}

TG_EXPORT int SSL_add1_host(SSL *ssl, const char *name)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o || !o->SSL_add1_host)
        return 0;
    int r = o->SSL_add1_host(ssl, name);
    if (r == 1)
        note_host(o, ssl, name, 0);
    return r;
}
