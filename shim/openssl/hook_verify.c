/*
 * hook_verify.c — what the program does about trust: which anchors it
 * brought (so defaults are only added where it brought none), and the
 * certificate-verify callback it may use to skip verification.
 */
#include "conn.h"
#include "enter.h"
#include "verify.h"

static void mark_anchors(const struct tg_ossl *o, SSL_CTX *ctx)
{
    struct tg_ctx *t = tg_ctx_get(o, ctx, 1);
    if (t)
        __atomic_store_n(&t->has_anchors, 1, __ATOMIC_RELEASE);
}

TG_EXPORT void SSL_CTX_set_cert_verify_callback(SSL_CTX *ctx, tg_cert_verify_fn cb, void *arg)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return;
    struct tg_ctx *t = tg_ctx_get(o, ctx, 1);
    if (!t) /* no memory to chain it: keep OpenSSL's own verification */
        return;
    if (cb == tg_cert_verify_cb)
        return; /* ours, read back somewhere: nothing changes */
    t->prog_cert_cb = cb;
    t->prog_cert_arg = arg;
    o->SSL_CTX_set_cert_verify_callback(ctx, tg_cert_verify_cb, ctx); /* ours stays */
}

/* Each trust-loading call: the real one, then remember the context has
 * anchors of the program's choosing. */
#define TG_TRUST_HOOK(name, params, args)                                                          \
    TG_EXPORT int name params                                                                      \
    {                                                                                              \
        const struct tg_ossl *o = tg_enter(TG_CALLER());                                           \
        if (!o || !o->name)                                                                        \
            return 0;                                                                              \
        int r = o->name args;                                                                      \
        if (r == 1)                                                                                \
            mark_anchors(o, ctx);                                                                  \
        return r;                                                                                  \
    }

TG_TRUST_HOOK(SSL_CTX_load_verify_locations, (SSL_CTX * ctx, const char *file, const char *dir),
              (ctx, file, dir))
TG_TRUST_HOOK(SSL_CTX_set_default_verify_paths, (SSL_CTX * ctx), (ctx))
TG_TRUST_HOOK(SSL_CTX_set_default_verify_dir, (SSL_CTX * ctx), (ctx))              /* 1.1.0+ */
TG_TRUST_HOOK(SSL_CTX_set_default_verify_file, (SSL_CTX * ctx), (ctx))             /* 1.1.0+ */
TG_TRUST_HOOK(SSL_CTX_set_default_verify_store, (SSL_CTX * ctx), (ctx))            /* 3.0+ */
TG_TRUST_HOOK(SSL_CTX_load_verify_file, (SSL_CTX * ctx, const char *f), (ctx, f))  /* 3.0+ */
TG_TRUST_HOOK(SSL_CTX_load_verify_dir, (SSL_CTX * ctx, const char *d), (ctx, d))   /* 3.0+ */
TG_TRUST_HOOK(SSL_CTX_load_verify_store, (SSL_CTX * ctx, const char *s), (ctx, s)) /* 3.0+ */

TG_EXPORT void SSL_CTX_set_cert_store(SSL_CTX *ctx, X509_STORE *store)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o)
        return;
    o->SSL_CTX_set_cert_store(ctx, store);
    if (store)
        mark_anchors(o, ctx);
}

/* 1.1.1+. */
TG_EXPORT void SSL_CTX_set1_cert_store(SSL_CTX *ctx, X509_STORE *store)
{
    const struct tg_ossl *o = tg_enter(TG_CALLER());
    if (!o || !o->SSL_CTX_set1_cert_store)
        return;
    o->SSL_CTX_set1_cert_store(ctx, store);
    if (store)
        mark_anchors(o, ctx);
}
