/*
 * rb_nss_threads — a careless NSS client, many threads at once.
 *
 *   rb_nss_threads GOOD1,GOOD2,... BAD1,BAD2,... THREADS PER_THREAD
 *
 * Each peer is HOST:PORT (HOST is the name set with SSL_SetURL; the socket
 * goes to 127.0.0.1). NSS is initialised once by main (no database); the
 * threads start together (a barrier), each imports a socket per handshake,
 * installs hooks that accept any certificate, allows TLS 1.0, forces the
 * handshake and writes whatever it said. A good peer must take the payload;
 * a bad one must fail the handshake and refuse the write (fail closed).
 * Whether the shim named itself is the driver's check (its log). THREADS 1
 * makes a plain sequential client.
 *
 * Prints per-kind counts and "N passed, N failed"; exit 0 when all passed.
 */
#include "asan_first.h"

#include <nspr.h>
#include <nss.h>
#include <prerror.h>
#include <ssl.h>
#include <sslproto.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PEERS 8
#define PAYLOAD   "TLSGUARD-PAYLOAD rb_nss_threads\n"

struct peer {
    char host[256];
    int port;
};

static struct peer good[MAX_PEERS], bad[MAX_PEERS];
static int ngood, nbad, per_thread;
static pthread_barrier_t start;

struct result {
    long id;
    int good_ok, good_fail, bad_blocked, bad_fail;
    char first_why[600];
};

static SECStatus accept_any(void *arg, PRFileDesc *fd, PRBool sig, PRBool server)
{
    (void)arg;
    (void)fd;
    (void)sig;
    (void)server;
    return SECSuccess;
}

static SECStatus go_on(void *arg, PRFileDesc *fd)
{
    (void)arg;
    (void)fd;
    return SECSuccess;
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
        out[n].port = atoi(colon + 1);
        n++;
    }
    return n;
}

static PRFileDesc *open_careless(const struct peer *p)
{
    PRNetAddr addr;
    PRFileDesc *tcp = PR_NewTCPSocket(), *s;
    if (!tcp)
        return NULL;
    PR_StringToNetAddr("127.0.0.1", &addr);
    addr.inet.port = PR_htons((PRUint16)p->port);
    if (PR_Connect(tcp, &addr, PR_SecondsToInterval(10)) != PR_SUCCESS ||
        !(s = SSL_ImportFD(NULL, tcp))) {
        PR_Close(tcp);
        return NULL;
    }
    SSLVersionRange range = { SSL_LIBRARY_VERSION_TLS_1_0, SSL_LIBRARY_VERSION_TLS_1_3 };
    SSL_OptionSet(s, SSL_SECURITY, PR_TRUE);
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    SSL_OptionSet(s, SSL_NO_CACHE, PR_TRUE);
    SSL_AuthCertificateHook(s, accept_any, NULL);
    SSL_BadCertHook(s, go_on, NULL);
    SSL_VersionRangeSet(s, &range);
    SSL_SetURL(s, p->host);
    SSL_ResetHandshake(s, PR_FALSE);
    return s;
}

/* One handshake: 1 when it went as `want_good` says, else 0 and `why`. */
static int one(const struct peer *p, int want_good, char *why, size_t n)
{
    PRFileDesc *s = open_careless(p);
    if (!s) {
        snprintf(why, n, "connect %s:%d failed: %s", p->host, p->port,
                 PR_ErrorToName(PR_GetError()));
        return 0;
    }
    SECStatus hs = SSL_ForceHandshake(s);
    PRErrorCode hs_err = hs == SECSuccess ? 0 : PR_GetError();
    PRInt32 w = PR_Write(s, PAYLOAD, (PRInt32)strlen(PAYLOAD)); /* careless: whatever hs said */
    int ok =
        want_good ? hs == SECSuccess && w == (PRInt32)strlen(PAYLOAD) : hs != SECSuccess && w <= 0;
    if (!ok)
        snprintf(why, n, "%s %s:%d: handshake=%s, write=%d", want_good ? "good" : "bad", p->host,
                 p->port, hs == SECSuccess ? "ok" : PR_ErrorToName(hs_err), (int)w);
    PR_Close(s);
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
        fprintf(stderr, "usage: rb_nss_threads GOOD,... BAD,... THREADS PER_THREAD\n");
        return 2;
    }
    ngood = parse_list(argv[1], good);
    nbad = parse_list(argv[2], bad);
    int nthreads = atoi(argv[3]);
    per_thread = atoi(argv[4]);
    if (!ngood || !nbad || nthreads < 1 || nthreads > 256 || per_thread < 1) {
        fprintf(stderr, "rb_nss_threads: bad arguments\n");
        return 2;
    }
    if (NSS_NoDB_Init(NULL) != SECSuccess || NSS_SetDomesticPolicy() != SECSuccess) {
        fprintf(stderr, "rb_nss_threads: NSS init failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 2;
    }
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
    SSL_ClearSessionCache();
    NSS_Shutdown();
    PR_Cleanup();
    free(tids);
    free(res);
    return good_fail + bad_fail ? 1 : 0;
}
