/*
 * fork_lock.c — the shim's locks, all taken around a fork (fork_lock.h).
 */
#include "fork_lock.h"
#include "once.h"

#define MAX_LOCKS 8 /* the shim has two; a ninth would go unguarded, never fail */

static struct tg_fork_lock *locks[MAX_LOCKS];
static unsigned nlocks;       /* appended to only, read atomically */
static unsigned held_at_fork; /* how many before_fork took */
static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static tg_once_t handlers_once = TG_ONCE_INIT;

/* The fork handlers never take `registry`: a thread holding one of the
 * locks may be registering another one at that moment. */
static void before_fork(void)
{
    unsigned n = __atomic_load_n(&nlocks, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        pthread_mutex_lock(&locks[i]->mutex);
    held_at_fork = n;
}

static void after_fork(void)
{
    for (unsigned i = held_at_fork; i-- > 0;)
        pthread_mutex_unlock(&locks[i]->mutex);
}

static void install_handlers(void)
{
    pthread_atfork(before_fork, after_fork, after_fork);
}

static void register_lock(struct tg_fork_lock *l)
{
    tg_once(&handlers_once, install_handlers);
    pthread_mutex_lock(&registry);
    if (!__atomic_load_n(&l->registered, __ATOMIC_ACQUIRE)) {
        unsigned n = __atomic_load_n(&nlocks, __ATOMIC_RELAXED);
        if (n < MAX_LOCKS) {
            locks[n] = l;
            __atomic_store_n(&nlocks, n + 1, __ATOMIC_RELEASE);
        }
        __atomic_store_n(&l->registered, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&registry);
}

void tg_fork_lock(struct tg_fork_lock *l)
{
    if (!__atomic_load_n(&l->registered, __ATOMIC_ACQUIRE))
        register_lock(l);
    pthread_mutex_lock(&l->mutex);
}

void tg_fork_unlock(struct tg_fork_lock *l)
{
    pthread_mutex_unlock(&l->mutex);
}
