/*
 * gt_records.c — side tables keyed by address, each under its own lock.
 */
#include "gt_records.h"

#include "fork_lock.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 256

struct node {
    const void *key;
    void *value;
    struct node *next;
};

struct map {
    struct tg_fork_lock *lock;
    struct node *bucket[BUCKETS];
};

static TG_FORK_LOCK(sessions_lock);
static TG_FORK_LOCK(creds_lock);
static TG_FORK_LOCK(prios_lock);
static struct map sessions = { &sessions_lock, { 0 } };
static struct map creds = { &creds_lock, { 0 } };
static struct map prios = { &prios_lock, { 0 } };

static unsigned slot(const void *key)
{
    uintptr_t k = (uintptr_t)key;
    return (unsigned)((k >> 4) ^ (k >> 12)) % BUCKETS;
}

/* Under m->lock. */
static struct node **find(struct map *m, const void *key)
{
    struct node **n = &m->bucket[slot(key)];
    while (*n && (*n)->key != key)
        n = &(*n)->next;
    return n;
}

static void *map_get(struct map *m, const void *key)
{
    tg_fork_lock(m->lock);
    struct node *n = *find(m, key);
    void *v = n ? n->value : NULL; /* read under the lock: map_take frees n */
    tg_fork_unlock(m->lock);
    return v;
}

/* Sets key's value (the old one is returned for the caller to free). */
static int map_put(struct map *m, const void *key, void *value, void **old)
{
    int rc = 0;
    *old = NULL;
    tg_fork_lock(m->lock);
    struct node **n = find(m, key);
    if (*n) {
        *old = (*n)->value;
        (*n)->value = value;
    } else if ((*n = calloc(1, sizeof **n))) {
        (*n)->key = key;
        (*n)->value = value;
    } else {
        rc = -1;
    }
    tg_fork_unlock(m->lock);
    return rc;
}

static void *map_take(struct map *m, const void *key)
{
    void *v = NULL;
    tg_fork_lock(m->lock);
    struct node **n = find(m, key), *gone = *n;
    if (gone) {
        v = gone->value;
        *n = gone->next;
        free(gone);
    }
    tg_fork_unlock(m->lock);
    return v;
}

struct tg_gt_rec *tg_gt_rec_get(tg_gt_session s, int create)
{
    struct tg_gt_rec *r = map_get(&sessions, s);
    void *old;
    if (r || !create || !s)
        return r;
    if (!(r = calloc(1, sizeof *r)))
        return NULL;
    r->session = s;
    r->rules.settings.min_protocol = TG_TLS1_2;
    r->rules.settings.pins_expire_at = -1;
    if (map_put(&sessions, s, r, &old)) {
        free(r);
        return NULL;
    }
    free(old); /* never: a session is created once */
    return r;
}

/* Records counted by tg_gt_rec_count_block and not yet freed. Released
 * after the block is set, so a thread that sees the session's handshake
 * end (through the program's own synchronisation) sees the count too. */
static unsigned long blocked_records;

void tg_gt_rec_count_block(struct tg_gt_rec *r)
{
    if (r->block_counted)
        return;
    r->block_counted = 1;
    __atomic_add_fetch(&blocked_records, 1, __ATOMIC_RELEASE);
}

int tg_gt_any_blocked(void)
{
    return __atomic_load_n(&blocked_records, __ATOMIC_ACQUIRE) != 0;
}

void tg_gt_rec_free(tg_gt_session s)
{
    struct tg_gt_rec *r = map_take(&sessions, s);
    if (r && r->block_counted)
        __atomic_sub_fetch(&blocked_records, 1, __ATOMIC_RELEASE);
    if (r)
        free(r->prio);
    free(r);
}

void tg_gt_cred_set_verify(tg_gt_cred cred, tg_gt_verify_fn fn)
{
    void *old;
    tg_gt_verify_fn *box = malloc(sizeof *box);
    if (!box)
        return;
    *box = fn;
    if (map_put(&creds, cred, box, &old))
        free(box);
    free(old);
}

tg_gt_verify_fn tg_gt_cred_verify(tg_gt_cred cred)
{
    tg_fork_lock(creds.lock);
    struct node *n = *find(&creds, cred);
    tg_gt_verify_fn fn = n ? *(tg_gt_verify_fn *)n->value : NULL;
    tg_fork_unlock(creds.lock);
    return fn;
}

struct prio_src {
    unsigned flags;
    int is_default;
    char str[]; /* flexible: the string */
};

void tg_gt_prio_remember(tg_gt_prio p, const char *str, unsigned flags)
{
    size_t n = str ? strlen(str) : 0;
    struct prio_src *src = malloc(sizeof *src + n + 1);
    void *old;
    if (!src)
        return;
    src->flags = flags;
    src->is_default = !str;
    memcpy(src->str, str ? str : "", n + 1);
    if (map_put(&prios, p, src, &old))
        free(src);
    free(old);
}

int tg_gt_prio_lookup(tg_gt_prio p, char **str, unsigned *flags)
{
    int found = 0;
    *str = NULL;
    tg_fork_lock(prios.lock);
    struct node *n = *find(&prios, p);
    if (n) {
        struct prio_src *src = n->value;
        *flags = src->flags;
        *str = src->is_default ? NULL : strdup(src->str);
        found = src->is_default || *str;
    }
    tg_fork_unlock(prios.lock);
    return found;
}

void tg_gt_prio_forget(tg_gt_prio p)
{
    free(map_take(&prios, p));
}
