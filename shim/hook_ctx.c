/*
 * hook_ctx.c — context set-up: no context or connection ever holds a fixed
 * pre-TLS-1.2 method, and new contexts start with the floor.
 */
#include "enforce.h"
#include "init.h"

static const SSL_METHOD *upgraded(const struct tg_ossl *o, const SSL_METHOD *m)
{
    const SSL_METHOD *up = tg_ossl_upgrade_method(o, m);
    return up ? up : m;
}

TG_EXPORT SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return NULL;
    SSL_CTX *ctx = o->SSL_CTX_new(upgraded(o, meth));
    if (ctx)
        tg_ctx_floor(o, ctx);
    return ctx;
}

/* OpenSSL 3.0+. */
TG_EXPORT SSL_CTX *SSL_CTX_new_ex(void *libctx, const char *propq, const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o || !o->SSL_CTX_new_ex)
        return NULL;
    SSL_CTX *ctx = o->SSL_CTX_new_ex(libctx, propq, upgraded(o, meth));
    if (ctx)
        tg_ctx_floor(o, ctx);
    return ctx;
}

TG_EXPORT int SSL_CTX_set_ssl_version(SSL_CTX *ctx, const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return 0;
    int r = o->SSL_CTX_set_ssl_version(ctx, upgraded(o, meth));
    if (r == 1)
        tg_ctx_floor(o, ctx);
    return r;
}

TG_EXPORT int SSL_set_ssl_method(SSL *ssl, const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return 0;
    return o->SSL_set_ssl_method(ssl, upgraded(o, meth));
}
