/*
 * fork_lock.h — a mutex that a fork() cannot leave held in the child.
 *
 * The shim's tables (the resolver's names, the session marks, the context
 * records, the error strings) are guarded by mutexes; a fork while another
 * thread holds one would leave the child's copy locked forever. Every such
 * lock is taken before a fork and released on both sides after it
 * (pthread_atfork). TG_FORK_LOCK places each in one section, so the fork
 * handlers find them all with no registration (which would itself need a
 * lock a fork could leave held).
 */
#ifndef TG_FORK_LOCK_H
#define TG_FORK_LOCK_H

#include <pthread.h>

struct tg_fork_lock {
    pthread_mutex_t mutex;
} __attribute__((aligned(64)));

/* static TG_FORK_LOCK(name); at file scope. */
#define TG_FORK_LOCK(name)                                                                         \
    struct tg_fork_lock name                                                                       \
        __attribute__((section("tg_fork_locks"), used)) = { PTHREAD_MUTEX_INITIALIZER }

void tg_fork_lock(struct tg_fork_lock *l);
void tg_fork_unlock(struct tg_fork_lock *l);

#endif
