/*
 * gt_trust.c — trust lists built by the shim, cached by path.
 */
#include "gt_trust.h"
#include "gt_memo.h"
#include "fork_lock.h"
#include "secure_env.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One entry per ca-file/ca-dir pair of the policy (a finite set: the
 * policy lives for the process), so the list never needs a bound. */
struct cached {
    const char *file, *dir; /* into the policy */
    tg_gt_tlist list;
    struct cached *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached *cache;
static tg_gt_tlist system_list;
static int system_tried;

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* A new list of `file` and `dir`; NULL when neither gave an anchor. */
static tg_gt_tlist load(const struct tg_gtls *g, const char *file, const char *dir)
{
    tg_gt_tlist l = NULL;
    int n = 0;
    if (g->gnutls_x509_trust_list_init(&l, 0) != 0)
        return NULL;
    if (file) {
        int k = g->gnutls_x509_trust_list_add_trust_file(l, file, NULL, TG_GT_FMT_PEM, 0, 0);
        n += k > 0 ? k : 0;
    }
    if (dir) {
        int k = g->gnutls_x509_trust_list_add_trust_dir(l, dir, NULL, TG_GT_FMT_PEM, 0, 0);
        n += k > 0 ? k : 0;
    }
    if (n > 0)
        return l;
    g->gnutls_x509_trust_list_deinit(l, 1);
    return NULL;
}

tg_gt_tlist tg_gt_trust_system(const struct tg_gtls *g)
{
    pthread_mutex_lock(&lock);
    if (!system_tried) {
        const char *file = tg_secure_getenv("SSL_CERT_FILE");
        const char *dir = tg_secure_getenv("SSL_CERT_DIR");
        system_tried = 1;
        if ((file && *file) || (dir && *dir)) {
            system_list = load(g, file && *file ? file : NULL, dir && *dir ? dir : NULL);
        } else if (g->gnutls_x509_trust_list_init(&system_list, 0) == 0 &&
                   g->gnutls_x509_trust_list_add_system_trust(system_list, 0, 0) <= 0) {
            g->gnutls_x509_trust_list_deinit(system_list, 1);
            system_list = NULL;
        }
    }
    tg_gt_tlist l = system_list;
    pthread_mutex_unlock(&lock);
    return l;
}

tg_gt_tlist tg_gt_trust_paths(const struct tg_gtls *g, const char *file, const char *dir)
{
    struct cached *c;
    if (!file && !dir)
        return NULL;
    pthread_mutex_lock(&lock);
    for (c = cache; c && !(same(c->file, file) && same(c->dir, dir)); c = c->next)
        ;
    if (!c && (c = calloc(1, sizeof *c))) { /* first need of this pair: loaded once */
        *c = (struct cached){ file, dir, load(g, file, dir), cache };
        cache = c;
    }
    tg_gt_tlist l = c ? c->list : NULL; /* out of memory: no anchors, fail closed */
    pthread_mutex_unlock(&lock);
    return l;
}

/* The last answer per thread, for the list and trust generation it was
 * for: iterating copies a certificate (~180 k instructions a handshake),
 * and a program keeps one list for many. Any trust change, a freed list
 * included, moves the generation on (hook_gt_trust.c). */
static __thread struct {
    tg_gt_tlist list;
    unsigned long gen;
    int found;
} last;

/* The list a hook last saw gain an anchor, for the generation after that
 * (0: none); any change to any list moves the generation on. A wrong
 * "holds an anchor" (another thread emptied the list between the call
 * and its generation) could only refuse more: the program's own list is
 * then the only one tried, never the system's in its place. */
static struct {
    tg_gt_tlist list;
    unsigned long gen;
} added;
static TG_FORK_LOCK(added_lock);

void tg_gt_trust_added(tg_gt_tlist list, unsigned long gen)
{
    if (!list)
        return;
    tg_fork_lock(&added_lock);
    added.list = list;
    added.gen = gen;
    tg_fork_unlock(&added_lock);
}

void tg_gt_trust_taken(tg_gt_tlist list, unsigned long before, unsigned long after)
{
    tg_fork_lock(&added_lock);
    if (list && added.list == list && added.gen == before && after == before + 1)
        added.gen = after;
    tg_fork_unlock(&added_lock);
}

static int known_added(tg_gt_tlist list, unsigned long gen)
{
    tg_fork_lock(&added_lock);
    int yes = added.list == list && added.gen == gen;
    tg_fork_unlock(&added_lock);
    return yes;
}

int tg_gt_trust_has_ca(const struct tg_gtls *g, tg_gt_tlist list)
{
    tg_gt_iter it = NULL;
    tg_gt_crt ca = NULL;
    if (!list)
        return 0;
    unsigned long gen = tg_gt_memo_gen(); /* before looking: a change after is seen next time */
    if (last.list == list && last.gen == gen)
        return last.found;
    if (known_added(list, gen))
        return 1;
    int found = g->gnutls_x509_trust_list_iter_get_ca(list, &it, &ca) == 0;
    if (ca)
        g->gnutls_x509_crt_deinit(ca);
    if (it)
        g->gnutls_x509_trust_list_iter_deinit(it);
    last.list = list;
    last.gen = gen;
    last.found = found;
    return found;
}
