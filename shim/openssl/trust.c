/*
 * trust.c — anchors: the program's own, or the shared default store.
 *
 * Loading the default bundle costs ~240 M instructions and ~1.4 MB, so it
 * is never done per context, at start-up, or for programs that brought their
 * own anchors by the time their peer's certificate is checked.
 */
#include "trust.h"
#include "conn.h"
#include "settings.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOST_STORES 16

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;

/* The policy's extra anchors (ca-file, ca-dir), if it names any. */
static int policy_cas(const char **file, const char **dir)
{
    const struct tg_policy *p = tg_settings_policy(NULL);
    const struct tg_global *g = p ? tg_policy_global(p) : NULL;
    *file = g ? g->ca_file : NULL;
    *dir = g ? g->ca_dir : NULL;
    return *file || *dir;
}

int tg_trust_program_has_anchors(const struct tg_ossl *o, SSL *ssl, X509_STORE *store)
{
    SSL_CTX *ctx = o->SSL_get_SSL_CTX(ssl);
    struct tg_ctx *t = tg_ctx_get(o, ctx, 0);
    if (!store)
        return 0;
    /* A verify store set on the SSL or its context (SSL_CTX_set1_verify_cert_store
     * & co.) is the program's choice, whatever it holds. */
    if (store != o->SSL_CTX_get_cert_store(ctx))
        return 1;
    if (t && __atomic_load_n(&t->has_anchors, __ATOMIC_ACQUIRE))
        return 1; /* it loaded locations or set a store through a hooked call */
    /* Certificates added straight to the store, or a directory / file
     * lookup it searches lazily (X509_LOOKUP_hash_dir). */
    return tg_ossl_sk_num(o, tg_ossl_store_objects(o, store)) > 0 ||
           tg_ossl_sk_num(o, tg_ossl_store_lookups(o, store)) > 0;
}

static X509_STORE *load(const struct tg_ossl *o, int defaults, const char *file, const char *dir)
{
    X509_STORE *st = o->X509_STORE_new();
    if (!st)
        return NULL;
    if (defaults && o->X509_STORE_set_default_paths(st) != 1)
        return NULL;
    if ((file || dir) && o->X509_STORE_load_locations(st, file, dir) != 1)
        return NULL; /* a policy CA that does not load: fail closed */
    return st;
}

/* Once per libssl copy (its objects cannot serve another copy). */
X509_STORE *tg_trust_default_store(const struct tg_ossl *o)
{
    struct tg_ossl_state *s = o->state;
    X509_STORE *st = __atomic_load_n(&s->store, __ATOMIC_ACQUIRE);
    const char *file, *dir;
    if (st)
        return st;
    pthread_mutex_lock(&s->store_lock);
    if (!s->store_tried) {
        s->store_tried = 1;
        policy_cas(&file, &dir);
        __atomic_store_n(&s->store, load(o, 1, file, dir), __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&s->store_lock);
    return s->store;
}

X509_STORE *tg_trust_policy_store(const struct tg_ossl *o)
{
    struct tg_ossl_state *s = o->state;
    X509_STORE *st = __atomic_load_n(&s->policy_store, __ATOMIC_ACQUIRE);
    const char *file, *dir;
    if (st || !policy_cas(&file, &dir))
        return st;
    pthread_mutex_lock(&s->store_lock);
    if (!s->policy_store_tried) {
        s->policy_store_tried = 1;
        __atomic_store_n(&s->policy_store, load(o, 0, file, dir), __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&s->store_lock);
    return s->policy_store;
}

/* Host stores: a small list per process, keyed by copy and paths (which
 * point into the policy, alive for the process). */
static struct {
    const struct tg_ossl *o;
    const char *file, *dir;
    X509_STORE *st;
} hosts[MAX_HOST_STORES];
static int nhosts;

X509_STORE *tg_trust_host_store(const struct tg_ossl *o, const char *file, const char *dir)
{
    X509_STORE *st = NULL;
    if (!file && !dir)
        return NULL;
    pthread_mutex_lock(&store_lock);
    for (int i = 0; i < nhosts && !st; i++)
        if (hosts[i].o == o && hosts[i].file == file && hosts[i].dir == dir)
            st = hosts[i].st;
    if (!st && nhosts < MAX_HOST_STORES && (st = load(o, 0, file, dir)) != NULL) {
        hosts[nhosts].o = o;
        hosts[nhosts].file = file;
        hosts[nhosts].dir = dir;
        hosts[nhosts++].st = st;
    }
    pthread_mutex_unlock(&store_lock);
    return st;
}
