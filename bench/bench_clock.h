/*
 * bench_clock.h — seconds on a clock, for the bench programs (built one
 * file each by bench/run.py).
 */
#ifndef TG_BENCH_CLOCK_H
#define TG_BENCH_CLOCK_H

#include <time.h>

static inline double bench_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
