/*
 * hook_ctx.c — context set-up: no context or connection ever holds a fixed
 * pre-TLS-1.2 method. Such a method becomes the flexible one limited to the
 * same single version — what the program asked for, unchanged (audit mode
 * keeps it) — because OpenSSL 1.1.0+ refuses version bounds on a connection
 * whose context has a fixed method, so the floor could not be raised later.
 */
#include "callbacks.h"
#include "conn.h"
#include "enter.h"

/* The record and our callbacks exist before the context can be shared
 * between threads, or used on any road. */
static SSL_CTX *made(const struct tg_ossl *o, SSL_CTX *ctx, const SSL_METHOD *up, int version)
{
    if (ctx && up)
        tg_ossl_ctx_pin_version(o, ctx, version);
    if (ctx)
        tg_callbacks_ctx_setup(o, ctx);
    return ctx;
}

TG_EXPORT SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    int version = 0;
    if (!o)
        return NULL;
    const SSL_METHOD *up = tg_ossl_upgrade_method(o, meth, &version);
    return made(o, o->SSL_CTX_new(up ? up : meth), up, version);
}

/* OpenSSL 3.0+. */
TG_EXPORT SSL_CTX *SSL_CTX_new_ex(void *libctx, const char *propq, const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    int version = 0;
    if (!o || !o->SSL_CTX_new_ex)
        return NULL;
    const SSL_METHOD *up = tg_ossl_upgrade_method(o, meth, &version);
    return made(o, o->SSL_CTX_new_ex(libctx, propq, up ? up : meth), up, version);
}

TG_EXPORT int SSL_CTX_set_ssl_version(SSL_CTX *ctx, const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    int version = 0;
    if (!o)
        return 0;
    const SSL_METHOD *up = tg_ossl_upgrade_method(o, meth, &version);
    int r = o->SSL_CTX_set_ssl_version(ctx, up ? up : meth);
    if (r == 1 && up)
        tg_ossl_ctx_pin_version(o, ctx, version);
    return r;
}

TG_EXPORT int SSL_set_ssl_method(SSL *ssl, const SSL_METHOD *meth)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    int version = 0;
    if (!o)
        return 0;
    const SSL_METHOD *up = tg_ossl_upgrade_method(o, meth, &version);
    int r = o->SSL_set_ssl_method(ssl, up ? up : meth);
    if (r == 1 && up)
        tg_ossl_pin_version(o, ssl, version);
    return r;
}
