/*
 * fork_lock.c — the shim's locks, all taken around a fork (fork_lock.h).
 */
#include "fork_lock.h"

/* The linker's bounds of the section every TG_FORK_LOCK is placed in. */
extern struct tg_fork_lock __start_tg_fork_locks[] __attribute__((visibility("hidden")));
extern struct tg_fork_lock __stop_tg_fork_locks[] __attribute__((visibility("hidden")));

static int handlers; /* 0, then 1 once one thread took it to install them */

/* Every lock, in one fixed order (the section's), so two forks never take
 * them in different orders; the shim never holds one while taking another. */
static void before_fork(void)
{
    for (struct tg_fork_lock *l = __start_tg_fork_locks; l < __stop_tg_fork_locks; l++)
        pthread_mutex_lock(&l->mutex);
}

static void after_fork(void)
{
    for (struct tg_fork_lock *l = __stop_tg_fork_locks; l-- > __start_tg_fork_locks;)
        pthread_mutex_unlock(&l->mutex);
}

/* The first lock installs the handlers; no thread waits for that (a wait
 * would hang a child forked in the middle of it). */
static void install_handlers(void)
{
    int none = 0;
    if (__atomic_compare_exchange_n(&handlers, &none, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        pthread_atfork(before_fork, after_fork, after_fork);
}

void tg_fork_lock(struct tg_fork_lock *l)
{
    if (!__atomic_load_n(&handlers, __ATOMIC_ACQUIRE))
        install_handlers();
    pthread_mutex_lock(&l->mutex);
}

void tg_fork_unlock(struct tg_fork_lock *l)
{
    pthread_mutex_unlock(&l->mutex);
}
