/*
 * rb_gt_threads — a careless GnuTLS client, many threads at once.
 *
 *   rb_gt_threads GOOD1,GOOD2,... BAD1,BAD2,... THREADS PER_THREAD
 *
 * Each peer is HOST:PORT (HOST is the name sent and checked; the socket goes
 * to its IPv4 address). All threads share one credentials object whose verify
 * function accepts anything, allow TLS 1.0/1.1, and start together (a
 * barrier); each makes a session per handshake and alternates good and bad
 * peers. A good peer must complete the handshake and take the payload; a bad
 * one must fail the handshake and then refuse the write the program makes
 * anyway (fail closed). Whether the shim named itself is the driver's check
 * (its log). THREADS 1 makes a plain sequential client.
 *
 * Prints per-kind counts and "N passed, N failed"; exit 0 when all passed.
 */
#include "asan_first.h"

#include <gnutls/gnutls.h>

#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PEERS 8
#define LEGACY    "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:%COMPAT"
#define PAYLOAD   "TLSGUARD-PAYLOAD rb_gt_threads\n"

struct peer {
    char host[256], port[16];
};

static struct peer good[MAX_PEERS], bad[MAX_PEERS];
static int ngood, nbad, per_thread;
static gnutls_certificate_credentials_t cred;
static pthread_barrier_t start;

struct result {
    long id;
    int good_ok, good_fail, bad_blocked, bad_fail;
    char first_why[600];
};

static int accept_all(gnutls_session_t s)
{
    (void)s;
    return 0;
}

static int parse_list(char *s, struct peer *out)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok && n < MAX_PEERS;
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

static int dial(const struct peer *p)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
    int fd = -1;
    if (getaddrinfo(p->host, p->port, &hints, &res) != 0)
        return -1;
    fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* One handshake: 1 when it went as `want_good` says, else 0 and `why`. */
static int one(const struct peer *p, int want_good, char *why, size_t n)
{
    gnutls_session_t s;
    int fd = dial(p), rc, ok = 0;
    if (fd < 0) {
        snprintf(why, n, "connect %s:%s failed", p->host, p->port);
        return 0;
    }
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_priority_set_direct(s, LEGACY, NULL);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, p->host, strlen(p->host));
    gnutls_transport_set_int(s, fd);
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    ssize_t w = gnutls_record_send(s, PAYLOAD, strlen(PAYLOAD)); /* careless: whatever rc said */
    if (want_good && rc == 0 && w == (ssize_t)strlen(PAYLOAD)) {
        gnutls_bye(s, GNUTLS_SHUT_WR);
        ok = 1;
    } else if (!want_good && rc < 0 && w <= 0) {
        ok = 1;
    } else {
        snprintf(why, n, "%s %s:%s: handshake=%d (%s), send=%ld", want_good ? "good" : "bad",
                 p->host, p->port, rc, gnutls_strerror(rc), (long)w);
    }
    gnutls_deinit(s);
    close(fd);
    return ok;
}

static void *worker(void *arg)
{
    struct result *r = arg;
    char why[512];
    pthread_barrier_wait(&start);
    for (int i = 0; i < per_thread; i++) {
        int want_good = (i + (int)r->id) % 2 == 0;
        const struct peer *p = want_good ? &good[(i / 2) % ngood] : &bad[(i / 2) % nbad];
        int ok = one(p, want_good, why, sizeof why);
        int *count =
            want_good ? (ok ? &r->good_ok : &r->good_fail) : (ok ? &r->bad_blocked : &r->bad_fail);
        (*count)++;
        if (!ok && !r->first_why[0])
            snprintf(r->first_why, sizeof r->first_why, "thread %ld: %s", r->id, why);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: rb_gt_threads GOOD,... BAD,... THREADS PER_THREAD\n");
        return 2;
    }
    ngood = parse_list(argv[1], good);
    nbad = parse_list(argv[2], bad);
    int nthreads = atoi(argv[3]);
    per_thread = atoi(argv[4]);
    if (!ngood || !nbad || nthreads < 1 || nthreads > 256 || per_thread < 1) {
        fprintf(stderr, "rb_gt_threads: bad arguments\n");
        return 2;
    }
    gnutls_global_init();
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_verify_function(cred, accept_all);
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    struct result *res = calloc((size_t)nthreads, sizeof *res);
    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    for (long t = 0; t < nthreads; t++) {
        res[t].id = t;
        pthread_create(&tids[t], NULL, worker, &res[t]);
    }
    int good_ok = 0, good_fail = 0, bad_blocked = 0, bad_fail = 0;
    const char *why = NULL;
    for (int t = 0; t < nthreads; t++) {
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
    pthread_barrier_destroy(&start);
    gnutls_certificate_free_credentials(cred);
    gnutls_global_deinit();
    free(tids);
    free(res);
    return good_fail + bad_fail ? 1 : 0;
}
