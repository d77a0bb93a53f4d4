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
    X509_STORE *st = o->SSL_CTX_get_cert_store(ctx);
    if (st && o->X509_STORE_get0_objects) /* 1.1.0+ */
        return tg_ossl_sk_num(o, o->X509_STORE_get0_objects(st)) > 0;
    return 0;
}

static void load(void)
{
    const struct tg_ossl *o = tg_ossl_peek();
    X509_STORE *st = o->X509_STORE_new();
    if (st && o->X509_STORE_set_default_paths(st) == 1)
        store = st;
}

X509_STORE *tg_trust_default_store(const struct tg_ossl *o)
{
    (void)o; /* the one resolved table, also what load() uses */
    pthread_once(&store_once, load);
    return store;
}
