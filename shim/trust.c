/*
 * trust.c — the shared default trust store.
 *
 * Loading the default bundle costs ~240 M instructions and ~1.4 MB, so it
 * is never done per context, at start-up, or for programs that brought their
 * own anchors (those are never widened: a private-CA program keeps trusting
 * only its CA).
 */
#include "trust.h"
#include "conn.h"

#include <pthread.h>

static pthread_once_t store_once = PTHREAD_ONCE_INIT;
static X509_STORE *store;

int tg_trust_ctx_has_anchors(const struct tg_ossl *o, SSL_CTX *ctx)
{
    struct tg_ctx *t = tg_ctx_get(o, ctx, 0);
    if (t && t->has_anchors)
        return 1;
    /* Anchors added straight to the context's store (X509_STORE_add_cert,
     * X509_STORE_load_locations on SSL_CTX_get_cert_store()). */
    return tg_ossl_sk_num(o, tg_ossl_store_objects(o, o->SSL_CTX_get_cert_store(ctx))) > 0;
}

static void load(void)
{
    const struct tg_ossl *o = tg_ossl_peek();
    X509_STORE *st = o->X509_STORE_new();
    if (st && o->X509_STORE_set_default_paths(st) == 1)
        store = st;
}

int tg_trust_ctx_load_defaults(const struct tg_ossl *o, SSL_CTX *ctx)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct tg_ctx *t = tg_ctx_get(o, ctx, 1);
    int ok = 0;
    if (!t)
        return 0;
    pthread_mutex_lock(&lock);
    if (t->defaults_loaded)
        ok = 1;
    else if (o->X509_STORE_set_default_paths(o->SSL_CTX_get_cert_store(ctx)) == 1)
        ok = t->defaults_loaded = 1;
    pthread_mutex_unlock(&lock);
    return ok;
}

X509_STORE *tg_trust_default_store(const struct tg_ossl *o)
{
    (void)o; /* the one resolved table, also what load() uses */
    pthread_once(&store_once, load);
    return store;
}
