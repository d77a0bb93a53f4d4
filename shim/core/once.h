/*
 * once.h — run an initialiser exactly once, without libpthread.
 *
 * pthread_once lives in libpthread.so.0 on glibc < 2.34, so calling it made
 * the library name libpthread in DT_NEEDED, and ld.so then loaded and
 * relocated it (and searched it in every symbol lookup) in every process
 * under the shim, TLS or not. This is the same promise on an atomic word:
 * the first caller runs the function, concurrent callers wait until it has
 * returned, later callers pay one acquire load.
 */
#ifndef TG_ONCE_H
#define TG_ONCE_H

/* 0: not run; TG_ONCE_DONE: ran; any other value: the pid of the process
 * whose thread is running it (a forked child sees its parent's pid there
 * and, the running thread not being copied, runs it itself, as glibc's
 * pthread_once does after fork). */
typedef struct {
    int state;
} tg_once_t;

#define TG_ONCE_INIT                                                                               \
    {                                                                                              \
        0                                                                                          \
    }
#define TG_ONCE_DONE (-1)

void tg_once_slow(tg_once_t *once, void (*init)(void));

static inline void tg_once(tg_once_t *once, void (*init)(void))
{
    if (__atomic_load_n(&once->state, __ATOMIC_ACQUIRE) != TG_ONCE_DONE)
        tg_once_slow(once, init);
}

#endif
