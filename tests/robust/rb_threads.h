/*
 * rb_threads.h — the thread harness of the GnuTLS and NSS threaded careless
 * clients (rb_gt_threads.c, rb_nss_threads.c):
 *
 *   PROG GOOD1,GOOD2,... BAD1,BAD2,... THREADS PER_THREAD
 *
 * Each peer is HOST:PORT. The threads start together (a barrier); each
 * alternates good and bad peers, calling the client's own one-handshake
 * function, which says whether the handshake went as wanted. The counts are
 * summed and printed with the first failure and "N passed, N failed".
 * Header-only: those clients are built one file each, without rb_common.c
 * (OpenSSL's; rb_threads.c keeps its own loop: per-thread contexts, timing).
 */
#ifndef TG_RB_THREADS_H
#define TG_RB_THREADS_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RB_MAX_PEERS 8

struct rb_peer {
    char host[256], port[16];
};

/* One handshake with p: 1 when it went as want_good says, else 0 and why. */
typedef int (*rb_one_fn)(const struct rb_peer *p, int want_good, char *why, size_t n);

struct rb_run {
    struct rb_peer good[RB_MAX_PEERS], bad[RB_MAX_PEERS];
    int ngood, nbad, nthreads, per_thread;
    rb_one_fn one;
    pthread_barrier_t start;
};

struct rb_tally {
    struct rb_run *run;
    long id;
    int good_ok, good_fail, bad_blocked, bad_fail;
    char first_why[600];
};

static inline int rb_parse_list(char *s, struct rb_peer *out)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok && n < RB_MAX_PEERS;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(tok, ':');
        if (!colon || (size_t)(colon - tok) >= sizeof out[n].host)
            continue;
        snprintf(out[n].host, sizeof out[n].host, "%.*s", (int)(colon - tok), tok);
        snprintf(out[n].port, sizeof out[n].port, "%s", colon + 1);
        n++;
    }
    return n;
}

/* The command line into r: 0, or 2 after saying what is wrong. */
static inline int rb_run_args(struct rb_run *r, int argc, char **argv, const char *prog)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s GOOD,... BAD,... THREADS PER_THREAD\n", prog);
        return 2;
    }
    r->ngood = rb_parse_list(argv[1], r->good);
    r->nbad = rb_parse_list(argv[2], r->bad);
    r->nthreads = atoi(argv[3]);
    r->per_thread = atoi(argv[4]);
    if (!r->ngood || !r->nbad || r->nthreads < 1 || r->nthreads > 256 || r->per_thread < 1) {
        fprintf(stderr, "%s: bad arguments\n", prog);
        return 2;
    }
    return 0;
}

static inline void *rb_worker(void *arg)
{
    struct rb_tally *t = arg;
    const struct rb_run *r = t->run;
    char why[512];
    pthread_barrier_wait(&t->run->start);
    for (int i = 0; i < r->per_thread; i++) {
        int want_good = (i + (int)t->id) % 2 == 0;
        const struct rb_peer *p =
            want_good ? &r->good[(i / 2) % r->ngood] : &r->bad[(i / 2) % r->nbad];
        int ok = r->one(p, want_good, why, sizeof why);
        int *count =
            want_good ? (ok ? &t->good_ok : &t->good_fail) : (ok ? &t->bad_blocked : &t->bad_fail);
        (*count)++;
        if (!ok && !t->first_why[0])
            snprintf(t->first_why, sizeof t->first_why, "thread %ld: %s", t->id, why);
    }
    return NULL;
}

/* Every thread's handshakes, the counts printed; 0 when all went as wanted. */
static inline int rb_run_threads(struct rb_run *r)
{
    pthread_t *tids = calloc((size_t)r->nthreads, sizeof *tids);
    struct rb_tally *res = calloc((size_t)r->nthreads, sizeof *res);
    pthread_barrier_init(&r->start, NULL, (unsigned)r->nthreads);
    for (long t = 0; t < r->nthreads; t++) {
        res[t].run = r;
        res[t].id = t;
        pthread_create(&tids[t], NULL, rb_worker, &res[t]);
    }
    int good_ok = 0, good_fail = 0, bad_blocked = 0, bad_fail = 0;
    const char *why = NULL;
    for (int t = 0; t < r->nthreads; t++) {
        pthread_join(tids[t], NULL);
        good_ok += res[t].good_ok;
        good_fail += res[t].good_fail;
        bad_blocked += res[t].bad_blocked;
        bad_fail += res[t].bad_fail;
        if (!why && res[t].first_why[0])
            why = res[t].first_why;
    }
    printf("good ok %d, good failed %d, bad blocked %d, bad not blocked %d\n", good_ok, good_fail,
           bad_blocked, bad_fail);
    if (why)
        printf("first failure: %s\n", why);
    printf("%d passed, %d failed\n", good_ok + bad_blocked, good_fail + bad_fail);
    pthread_barrier_destroy(&r->start);
    free(tids);
    free(res);
    return good_fail + bad_fail ? 1 : 0;
}

#endif
