/*
 * once.c — the slow path of tg_once (once.h): claim the word, run, publish.
 */
#include "once.h"

#include <sched.h>
#include <unistd.h>

void tg_once_slow(tg_once_t *once, void (*init)(void))
{
    int me = (int)getpid();
    for (;;) {
        int seen = __atomic_load_n(&once->state, __ATOMIC_ACQUIRE);
        if (seen == TG_ONCE_DONE)
            return;
        /* Free (0), or claimed by a thread of the process this one was
         * forked from (that thread does not exist here): take it. */
        if (seen != me && __atomic_compare_exchange_n(&once->state, &seen, me, 0, __ATOMIC_ACQUIRE,
                                                      __ATOMIC_RELAXED)) {
            init();
            __atomic_store_n(&once->state, TG_ONCE_DONE, __ATOMIC_RELEASE);
            return;
        }
        if (seen == me)
            sched_yield(); /* another thread of ours is running it: short */
    }
}
