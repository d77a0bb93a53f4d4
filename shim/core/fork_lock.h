/*
 * fork_lock.h — a mutex that a fork() cannot leave held in the child.
 *
 * The shim's tables (the resolver's names, the session marks) are guarded
 * by mutexes; a fork while another thread holds one would leave the
 * child's copy locked forever. Every such lock is taken before a fork and
 * released on both sides after it (pthread_atfork), registered the first
 * time it is locked.
 */
#ifndef TG_FORK_LOCK_H
#define TG_FORK_LOCK_H

#include <pthread.h>

struct tg_fork_lock {
    pthread_mutex_t mutex;
    int registered; /* read and set atomically */
};

#define TG_FORK_LOCK_INITIALIZER                                                                   \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, 0                                                               \
    }

void tg_fork_lock(struct tg_fork_lock *l);
void tg_fork_unlock(struct tg_fork_lock *l);

#endif
