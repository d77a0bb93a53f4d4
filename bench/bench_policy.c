/*
 * Benchmark of the policy module: time to load (read, parse and index) a
 * policy file of N host blocks (default 10 000), and host lookups per
 * second.  Not a test: it asserts nothing about time.  Two shapes of block:
 *   typical  host hN.example.com + two pins
 *   heavy    an exact, a "*." and a "**." pattern + mode; every fourth block
 *            also two pins and pin-expires
 * Build and run:
 *
 *   cc -std=gnu99 -D_GNU_SOURCE -O2 -Ipolicy -o build/bench_policy \
 *      bench/bench_policy.c policy/[a-z]*.c && build/bench_policy [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "policy.h"

#define PIN_A "sha256/ERERERERERERERERERERERERERERERERERERERERERE="
#define PIN_B "sha256/IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="
#define RUNS  21

/* Wall time, and this thread's CPU time (user + kernel on its behalf),
 * which a busy machine disturbs less. */
static double now(void)
{
    return bench_seconds(CLOCK_MONOTONIC);
}
static double cpu(void)
{
    return bench_seconds(CLOCK_THREAD_CPUTIME_ID);
}

static char *make_policy(size_t nblocks, int heavy, size_t *len)
{
    size_t cap = nblocks * 300 + 256, n = 0, i;
    char *s = malloc(cap);

    if (s == NULL)
        return NULL;
    n += (size_t)snprintf(s + n, cap - n, "min-protocol TLSv1.2\nlog syslog\n");
    for (i = 0; i < nblocks; i++) {
        if (!heavy) {
            n += (size_t)snprintf(s + n, cap - n,
                                  "host h%zu.example.com\n"
                                  "    pin %s\n    pin %s\n",
                                  i, PIN_A, PIN_B);
            continue;
        }
        n += (size_t)snprintf(
            s + n, cap - n,
            "host svc%zu.example.com *.edge%zu.example.net **.zone%zu.example.org\n"
            "    mode %s\n",
            i, i, i, i % 2 ? "audit" : "enforce");
        if (i % 4 == 0)
            n += (size_t)snprintf(s + n, cap - n,
                                  "    pin %s\n    pin %s\n"
                                  "    pin-expires 2031-06-30\n",
                                  PIN_A, PIN_B);
    }
    *len = n;
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Load the policy from a file RUNS times; print the first and the median. */
static struct tg_policy *bench_load(const char *name, size_t nblocks, int heavy)
{
    char path[] = "/tmp/tg_bench_XXXXXX";
    size_t len, i;
    char *text = make_policy(nblocks, heavy, &len);
    double times[RUNS], cpus[RUNS], t0, c0, first;
    struct tg_policy *p = NULL;
    struct tg_diags d;
    int fd = mkstemp(path);

    if (text == NULL || fd < 0 || write(fd, text, len) != (ssize_t)len) {
        perror("bench: temporary policy");
        exit(1);
    }
    close(fd);
    for (i = 0; i < RUNS; i++) {
        tg_policy_free(p);
        t0 = now();
        c0 = cpu();
        p = tg_policy_load_file(path, &d);
        cpus[i] = cpu() - c0;
        times[i] = now() - t0;
        if (p == NULL) {
            char msg[512];

            tg_diag_format(&d, 0, msg, sizeof(msg));
            fprintf(stderr, "bench: %s\n", msg);
            exit(1);
        }
        tg_diags_free(&d);
    }
    unlink(path);
    free(text);
    first = times[0];
    qsort(times, RUNS, sizeof(times[0]), cmp_double);
    qsort(cpus, RUNS, sizeof(cpus[0]), cmp_double);
    printf("load %-7s %zu blocks (%zu bytes): wall first %.2f ms, median %.2f ms, "
           "min %.2f ms; cpu median %.2f ms (%d runs)\n",
           name, nblocks, len, first * 1e3, times[RUNS / 2] * 1e3, times[0] * 1e3,
           cpus[RUNS / 2] * 1e3, RUNS);
    return p;
}

static void bench_lookup(const struct tg_policy *p, size_t nblocks)
{
    size_t nhosts = 4096, i, lookups = 0;
    char **hosts = malloc(nhosts * sizeof(*hosts));
    struct tg_host_settings s;
    unsigned long sink = 0;
    double t0, elapsed;

    /* A mix of hits of each kind and misses. */
    for (i = 0; i < nhosts; i++) {
        size_t b = (i * 7919) % nblocks;

        hosts[i] = malloc(96);
        switch (i % 4) {
        case 0:
            snprintf(hosts[i], 96, "svc%zu.example.com", b);
            break;
        case 1:
            snprintf(hosts[i], 96, "a.edge%zu.example.net", b);
            break;
        case 2:
            snprintf(hosts[i], 96, "x.y.zone%zu.example.org", b);
            break;
        default:
            snprintf(hosts[i], 96, "www.nowhere%zu.example.com", b);
            break;
        }
    }
    t0 = now();
    do {
        for (i = 0; i < nhosts; i++) {
            tg_policy_lookup(p, hosts[i], &s);
            sink += (unsigned long)s.block_index + s.pin_count;
        }
        lookups += nhosts;
        elapsed = now() - t0;
    } while (elapsed < 1.0);
    printf("lookup (heavy policy): %.2f M lookups/s, %.0f ns each (%zu lookups; checksum %lu)\n",
           (double)lookups / elapsed / 1e6, elapsed / (double)lookups * 1e9, lookups, sink);
    for (i = 0; i < nhosts; i++)
        free(hosts[i]);
    free(hosts);
}

int main(int argc, char **argv)
{
    size_t nblocks = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
    struct tg_policy *p;

    if (nblocks == 0)
        return 1;
    tg_policy_free(bench_load("typical", nblocks, 0));
    p = bench_load("heavy", nblocks, 1);
    bench_lookup(p, nblocks);
    tg_policy_free(p);
    return 0;
}
