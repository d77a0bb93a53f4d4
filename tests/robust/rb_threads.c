/*
 * rb_threads — many threads, many handshakes, half of them to bad peers.
 *
 *   rb_threads GOOD1,GOOD2,... BAD1,BAD2,... THREADS PER_THREAD
 *
 * Each peer is HOST:PORT. The first half of the threads share one SSL_CTX
 * (made by main, before any thread starts); every thread of the second half
 * makes its own, at the same moment as the others (a barrier), so that the
 * shim's first-call initialisation races too when main made nothing. Each
 * thread alternates good and bad peers. Every good connection must pass and
 * every bad one must be blocked (rb_connect_once's RB_BLOCKED: tlsguard's
 * error on the queue and no byte written afterwards).
 *
 *   --no-shared   no shared context: every thread makes its own, and the
 *                 first OpenSSL call of the process is made by 32 threads at once
 *
 * Prints per-kind counts and "N passed, N failed"; exit 0 when all passed.
 */
#include "rb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PEERS 8

struct peer {
    char host[256];
    int port;
};

static struct peer good[MAX_PEERS], bad[MAX_PEERS];
static int ngood, nbad, per_thread, nthreads;
static SSL_CTX *shared_ctx;
static pthread_barrier_t start;

struct result {
    int good_ok, good_fail, bad_blocked, bad_fail;
    char first_why[1024];
};

static int parse_list(char *s, struct peer *out)
{
    int n = 0;
    for (char *tok = strtok(s, ","); tok && n < MAX_PEERS; tok = strtok(NULL, ","))
        if (rb_parse_peer(tok, out[n].host, sizeof out[n].host, &out[n].port) == 0)
            n++;
    return n;
}

static void *worker(void *arg)
{
    struct result *r = arg;
    long id = r->good_ok; /* the thread's number, passed in before the counts start */
    char why[512];
    r->good_ok = 0;
    pthread_barrier_wait(&start);
    SSL_CTX *ctx = id < nthreads / 2 && shared_ctx ? shared_ctx : rb_legacy_ctx();
    if (!ctx) {
        snprintf(r->first_why, sizeof r->first_why, "thread %ld: SSL_CTX_new failed", id);
        r->good_fail = per_thread;
        return NULL;
    }
    for (int i = 0; i < per_thread; i++) {
        int want_good = (i + (int)id) % 2 == 0;
        const struct peer *p = want_good ? &good[(i / 2) % ngood] : &bad[(i / 2) % nbad];
        enum rb_result res = rb_connect_once(ctx, p->host, p->port, "TLSGUARD-PAYLOAD rb_threads\n",
                                             why, sizeof why);
        if (want_good && res == RB_OK) {
            r->good_ok++;
        } else if (!want_good && res == RB_BLOCKED) {
            r->bad_blocked++;
        } else {
            if (want_good)
                r->good_fail++;
            else
                r->bad_fail++;
            if (!r->first_why[0])
                snprintf(r->first_why, sizeof r->first_why,
                         "thread %ld, %s peer %.200s:%d: %s (%.500s)", id,
                         want_good ? "good" : "bad", p->host, p->port, rb_result_name(res), why);
        }
    }
    if (ctx != shared_ctx)
        SSL_CTX_free(ctx);
    return NULL;
}

int main(int argc, char **argv)
{
    int use_shared = 1;
    rb_openssl_init();
    if (argc == 6 && !strcmp(argv[5], "--no-shared"))
        use_shared = 0;
    else if (argc != 5) {
        fprintf(stderr, "usage: rb_threads GOOD,... BAD,... THREADS PER_THREAD [--no-shared]\n");
        return 2;
    }
    ngood = parse_list(argv[1], good);
    nbad = parse_list(argv[2], bad);
    nthreads = atoi(argv[3]);
    per_thread = atoi(argv[4]);
    if (!ngood || !nbad || nthreads <= 0 || per_thread <= 0) {
        fprintf(stderr, "rb_threads: bad arguments\n");
        return 2;
    }
    if (use_shared && !(shared_ctx = rb_legacy_ctx())) {
        fprintf(stderr, "rb_threads: SSL_CTX_new failed\n");
        return 2;
    }
    pthread_t *tid = calloc((size_t)nthreads, sizeof *tid);
    struct result *res = calloc((size_t)nthreads, sizeof *res);
    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    double t0 = rb_now();
    for (int t = 0; t < nthreads; t++) {
        res[t].good_ok = t;
        if (pthread_create(&tid[t], NULL, worker, &res[t]) != 0) {
            fprintf(stderr, "rb_threads: pthread_create failed\n");
            return 2;
        }
    }
    struct result sum = { 0, 0, 0, 0, "" };
    for (int t = 0; t < nthreads; t++) {
        pthread_join(tid[t], NULL);
        sum.good_ok += res[t].good_ok;
        sum.good_fail += res[t].good_fail;
        sum.bad_blocked += res[t].bad_blocked;
        sum.bad_fail += res[t].bad_fail;
        if (!sum.first_why[0] && res[t].first_why[0])
            snprintf(sum.first_why, sizeof sum.first_why, "%s", res[t].first_why);
    }
    SSL_CTX_free(shared_ctx);
    printf("%d threads x %d handshakes in %.1fs (%s): good through %d, good failed %d, "
           "bad blocked %d, bad not blocked %d\n",
           nthreads, per_thread, rb_now() - t0,
           use_shared ? "half shared SSL_CTX, half per-thread" : "per-thread SSL_CTX only",
           sum.good_ok, sum.good_fail, sum.bad_blocked, sum.bad_fail);
    if (sum.first_why[0])
        printf("first failure: %s\n", sum.first_why);
    int failed = sum.good_fail + sum.bad_fail;
    printf("%d passed, %d failed\n", sum.good_ok + sum.bad_blocked, failed);
    free(tid);
    free(res);
    return failed ? 1 : 0;
}
