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
#include "libs.h"
#include "settings.h"

#include <pthread.h>

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;

/* The policy's extra anchors (ca-file, ca-dir), if it names any. */
static int policy_cas(const char **file, const char **dir)
{
    const struct tg_policy *p = tg_settings_policy(NULL);
    const struct tg_global *g = p ? tg_policy_global(p) : NULL;
    *file = g ? g->ca_file : NULL;
    *dir = g ? g->ca_dir : NULL;
    return *file || *dir;
}

/* A program with anchors of its own trusts them plus the policy's: those
 * go into its context's store, once per context. */
static void add_policy_cas(const struct tg_ossl *o, SSL_CTX *ctx)
{
    const char *file, *dir;
    struct tg_ctx *t;
    if (!policy_cas(&file, &dir) || !(t = tg_ctx_get(o, ctx, 1)))
        return;
    pthread_mutex_lock(&ctx_lock);
    if (!t->policy_cas_added) {
        t->policy_cas_added = 1;
        o->X509_STORE_load_locations(o->SSL_CTX_get_cert_store(ctx), file, dir);
    }
    pthread_mutex_unlock(&ctx_lock);
}

int tg_trust_ctx_has_anchors(const struct tg_ossl *o, SSL_CTX *ctx)
{
    struct tg_ctx *t = tg_ctx_get(o, ctx, 0);
    if (t && __atomic_load_n(&t->has_anchors, __ATOMIC_ACQUIRE))
        return 1;
    /* Anchors added straight to the context's store (X509_STORE_add_cert,
     * X509_STORE_load_locations on SSL_CTX_get_cert_store()). */
    return tg_ossl_sk_num(o, tg_ossl_store_objects(o, o->SSL_CTX_get_cert_store(ctx))) > 0;
}

int tg_trust_ctx_load_defaults(const struct tg_ossl *o, SSL_CTX *ctx)
{
    struct tg_ctx *t = tg_ctx_get(o, ctx, 1);
    int ok = 0;
    if (!t)
        return 0;
    pthread_mutex_lock(&ctx_lock);
    if (t->defaults_loaded)
        ok = 1;
    else if (o->X509_STORE_set_default_paths(o->SSL_CTX_get_cert_store(ctx)) == 1) {
        __atomic_store_n(&t->defaults_loaded, 1, __ATOMIC_RELEASE);
        ok = 1;
    }
    pthread_mutex_unlock(&ctx_lock);
    if (ok)
        add_policy_cas(o, ctx);
    return ok;
}

/*
 * The anchors are decided twice. Before the handshake: a context with none
 * gets the default store for this connection (SSL_set1_verify_cert_store,
 * which outranks the context's store). Again once the peer's first flight is
 * in, just before its certificate is verified: some programs fill their
 * store only then (curl 7.88 loads its CA file while it waits for the
 * ServerHello, from its BIO callback). If anchors have appeared, the
 * default store is taken away again, so the program's own are the only
 * ones. The second look rides on the info callback, chained to the
 * program's.
 */
#define TG_CB_LOOP 0x01

static void info_cb(const SSL *cssl, int where, int ret)
{
    const struct tg_ossl *o = tg_libs_for(__builtin_return_address(0));
    SSL *ssl = (SSL *)cssl; /* our own connection: the callback gets it const */
    struct tg_conn *c = o ? tg_conn_get(o, ssl, 0) : NULL;
    if (!c)
        return;
    if (c->trust_tentative && (where & TG_CB_LOOP) &&
        tg_trust_ctx_has_anchors(o, o->SSL_get_SSL_CTX(ssl))) {
        add_policy_cas(o, o->SSL_get_SSL_CTX(ssl));
        o->SSL_ctrl(ssl, TG_CTRL_SET_VERIFY_CERT_STORE, 0, NULL);
        c->trust_tentative = 0;
    }
    tg_info_fn prog = c->prog_info_cb ? c->prog_info_cb
                                      : o->SSL_CTX_get_info_callback(o->SSL_get_SSL_CTX(ssl));
    if (prog)
        prog(cssl, where, ret);
}

int tg_trust_apply(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    SSL_CTX *ctx = o->SSL_get_SSL_CTX(ssl);
    struct tg_ctx *t = tg_ctx_get(o, ctx, 0);
    if (t && __atomic_load_n(&t->defaults_loaded, __ATOMIC_ACQUIRE))
        return 1;
    if (tg_trust_ctx_has_anchors(o, ctx)) {
        add_policy_cas(o, ctx);
        return 1;
    }
    if (!tg_ossl_has_verify_store_ctrl(o))
        return tg_trust_ctx_load_defaults(o, ctx);
    X509_STORE *st = tg_trust_default_store(o);
    if (!st || o->SSL_ctrl(ssl, TG_CTRL_SET_VERIFY_CERT_STORE, 1, st) != 1)
        return 0;
    tg_info_fn cb = o->SSL_get_info_callback(ssl);
    if (cb != info_cb) {
        c->prog_info_cb = cb;
        o->SSL_set_info_callback(ssl, info_cb);
    }
    c->trust_tentative = 1;
    return 1;
}

static X509_STORE *load(const struct tg_ossl *o)
{
    const char *file, *dir;
    X509_STORE *st = o->X509_STORE_new();
    if (!st || o->X509_STORE_set_default_paths(st) != 1)
        return NULL;
    if (policy_cas(&file, &dir) && o->X509_STORE_load_locations(st, file, dir) != 1)
        return NULL; /* a policy CA that does not load: fail closed */
    return st;
}

/* Once per libssl copy (its objects cannot serve another copy). */
X509_STORE *tg_trust_default_store(const struct tg_ossl *o)
{
    struct tg_ossl_state *s = o->state;
    X509_STORE *st = __atomic_load_n(&s->store, __ATOMIC_ACQUIRE);
    if (st)
        return st;
    pthread_mutex_lock(&s->store_lock);
    if (!s->store_tried) {
        s->store_tried = 1;
        __atomic_store_n(&s->store, load(o), __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&s->store_lock);
    return s->store;
}
