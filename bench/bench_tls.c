/*
 * bench_tls — TLS work in one process, for measuring the shim's cost: a
 * server (the test PKI's "good" certificate, for localhost) and a client
 * talk over a fresh socketpair() per connection, both non-blocking, driven
 * in turn by one thread, so a run is CPU-bound and repeatable. Run it with
 * and without LD_PRELOAD=libtlsguard.so: the shim enforces on the client
 * (SSL_connect, SSL_read, SSL_write) and only floors the server (SSL_accept).
 * Not a test: it asserts nothing about time. bench/run.py drives it.
 *
 *   bench_tls --pki DIR --mode MODE [--proto 13|12] [--n N] [--app verify|legacy]
 *             [--contexts K --anchors own|none]
 *
 * Client configurations (--app):
 *   verify  a program that verifies by itself: SSL_CTX_set_default_verify_paths
 *           (so SSL_CERT_FILE), SSL_VERIFY_PEER, SNI and SSL_set1_host(localhost)
 *   legacy  a program that verifies nothing: SNI only, SSL_VERIFY_NONE, no
 *           anchors. Under the shim, verification is forced and the anchors come
 *           from the shim's shared default store (SSL_CERT_FILE), loaded once.
 * Modes:
 *   full      N full handshakes, each with one byte each way
 *   resume    1 full handshake, then N resumed ones (session tickets), each
 *             resuming the previous connection's session; one byte each way
 *   bulk      one handshake, then N MiB client->server and N MiB back, in
 *             16 KiB SSL_write/SSL_read records
 *   contexts  K client contexts, one full handshake each (--anchors own: the
 *             context loads DIR/ca.pem itself and verifies; none: legacy)
 *   rss       resume mode, printing VmRSS after 1 000 and after N handshakes
 *
 * Prints one line of key=value results (rate: per wall-clock second;
 * cpu_seconds: the process's CPU time for the same loop). The measured loop is the function
 * bench_loop (for valgrind --tool=callgrind --toggle-collect=bench_loop).
 * Exit 1 on any TLS failure (a blocked handshake included).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bench_clock.h"

#define RECORD 16384

enum mode {
    M_FULL,
    M_RESUME,
    M_BULK,
    M_CONTEXTS,
    M_RSS
};

static struct {
    const char *pki;
    enum mode mode;
    int proto; /* TLS1_3_VERSION or TLS1_2_VERSION */
    long n;
    int legacy;
    int contexts;
    int own_anchors;
} opt = { NULL, M_FULL, TLS1_3_VERSION, 100, 0, 1, 0 };

static SSL_CTX *server_ctx;
static SSL_SESSION *session;
static char ca_path[4096];

static void die(const char *what)
{
    fprintf(stderr, "bench_tls: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double now(void)
{
    return bench_seconds(CLOCK_MONOTONIC);
}
/* The process's CPU time (user + system): less disturbed by other load on a
 * shared machine than the wall clock. */
static double cpu(void)
{
    return bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

static long rss_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static SSL_CTX *make_server_ctx(void)
{
    char cert[4200], key[4200];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        die("server SSL_CTX_new");
    snprintf(cert, sizeof cert, "%s/good.pem", opt.pki);
    snprintf(key, sizeof key, "%s/good.key", opt.pki);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        die("server certificate");
    SSL_CTX_set_min_proto_version(ctx, opt.proto);
    SSL_CTX_set_max_proto_version(ctx, opt.proto);
    int resume = opt.mode == M_RESUME || opt.mode == M_RSS;
    /* Full handshakes: no tickets, so each one is just that. */
    SSL_CTX_set_num_tickets(ctx, resume ? 1 : 0);
    if (!resume)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

static SSL_CTX *make_client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        die("client SSL_CTX_new");
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (opt.mode == M_CONTEXTS) {
        if (opt.own_anchors) {
            if (SSL_CTX_load_verify_locations(ctx, ca_path, NULL) != 1)
                die("SSL_CTX_load_verify_locations");
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        }
        return ctx;
    }
    if (opt.legacy) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1)
            die("SSL_CTX_set_default_verify_paths");
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return ctx;
}

struct conn {
    SSL *c, *s;
    int fd[2];
};

static void conn_open(struct conn *k, SSL_CTX *cctx)
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, k->fd) != 0)
        die("socketpair");
    k->c = SSL_new(cctx);
    k->s = SSL_new(server_ctx);
    if (!k->c || !k->s)
        die("SSL_new");
    SSL_set_fd(k->c, k->fd[0]);
    SSL_set_fd(k->s, k->fd[1]);
    SSL_set_tlsext_host_name(k->c, "localhost");
    if (!opt.legacy || (opt.mode == M_CONTEXTS && opt.own_anchors))
        SSL_set1_host(k->c, "localhost");
    if (session)
        SSL_set_session(k->c, session);
}

/* A clean close: SSL_free after an unfinished shutdown would mark the
 * session not resumable. */
static void conn_close(struct conn *k)
{
    SSL_shutdown(k->c);
    SSL_shutdown(k->s);
    SSL_free(k->c);
    SSL_free(k->s);
    close(k->fd[0]);
    close(k->fd[1]);
}

static int retry(SSL *ssl, int r)
{
    int e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Both handshakes to the end, turn by turn. */
static void handshake(struct conn *k)
{
    int cdone = 0, sdone = 0;
    for (int turn = 0; turn < 64 && !(cdone && sdone); turn++) {
        if (!cdone) {
            int r = SSL_connect(k->c);
            if (r == 1)
                cdone = 1;
            else if (!retry(k->c, r))
                die("SSL_connect failed");
        }
        if (!sdone) {
            int r = SSL_accept(k->s);
            if (r == 1)
                sdone = 1;
            else if (!retry(k->s, r))
                die("SSL_accept failed");
        }
    }
    if (!cdone || !sdone)
        die("handshake did not finish");
}

/* Write all of buf on `w`, reading on `r` whenever the pipe is full. */
static void pump(SSL *w, SSL *r, const char *buf, long total, char *sink)
{
    long sent = 0, got = 0;
    while (got < total) {
        if (sent < total) {
            int len = total - sent < RECORD ? (int)(total - sent) : RECORD;
            int x = SSL_write(w, buf, len);
            if (x > 0)
                sent += x;
            else if (!retry(w, x))
                die("SSL_write failed");
        }
        for (;;) {
            int x = SSL_read(r, sink, RECORD);
            if (x > 0) {
                got += x;
                continue;
            }
            if (!retry(r, x))
                die("SSL_read failed");
            break;
        }
    }
}

/* One byte each way: every connection passes the shim's I/O gate, and a
 * TLS 1.3 client reads the server's ticket. */
static void exchange(struct conn *k)
{
    char b = 'x', sink[RECORD];
    pump(k->c, k->s, &b, 1, sink);
    pump(k->s, k->c, &b, 1, sink);
}

static long resumed_count;

static void one_connection(SSL_CTX *cctx)
{
    struct conn k;
    conn_open(&k, cctx);
    handshake(&k);
    if (!opt.legacy && SSL_get_verify_result(k.c) != X509_V_OK)
        die("certificate not verified");
    exchange(&k);
    if (opt.mode == M_RESUME || opt.mode == M_RSS) {
        if (session && SSL_session_reused(k.c))
            resumed_count++;
        SSL_SESSION *next = SSL_get1_session(k.c);
        if (!next)
            die("no session to resume");
        SSL_SESSION_free(session);
        session = next;
    }
    conn_close(&k);
}

static long bench_rss_at_1000 = -1;

/* The measured work. Not inlined: callgrind toggles collection on it. */
__attribute__((noinline)) static void bench_loop(SSL_CTX *cctx, char *buf, char *sink)
{
    switch (opt.mode) {
    case M_FULL:
    case M_RESUME:
        for (long i = 0; i < opt.n; i++)
            one_connection(cctx);
        break;
    case M_RSS:
        for (long i = 0; i < opt.n; i++) {
            one_connection(cctx);
            if (i + 1 == 1000)
                bench_rss_at_1000 = rss_kb();
        }
        break;
    case M_BULK: {
        struct conn k;
        conn_open(&k, cctx);
        handshake(&k);
        pump(k.c, k.s, buf, opt.n << 20, sink);
        pump(k.s, k.c, buf, opt.n << 20, sink);
        conn_close(&k);
        break;
    }
    case M_CONTEXTS:
        for (int i = 0; i < opt.contexts; i++) {
            SSL_CTX *ctx = make_client_ctx();
            one_connection(ctx);
            SSL_CTX_free(ctx);
        }
        break;
    }
}

static void usage(void)
{
    fprintf(
        stderr,
        "usage: bench_tls --pki DIR --mode full|resume|bulk|contexts|rss [--proto 13|12] [--n N]\n"
        "                 [--app verify|legacy] [--contexts K --anchors own|none]\n");
    exit(2);
}

/* The command line into opt; returns the mode's name (for the result line). */
static const char *parse_args(int argc, char **argv)
{
    const char *mode = "full";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--pki"))
            opt.pki = v;
        else if (!strcmp(a, "--mode"))
            mode = v;
        else if (!strcmp(a, "--proto"))
            opt.proto = !strcmp(v, "12") ? TLS1_2_VERSION : TLS1_3_VERSION;
        else if (!strcmp(a, "--n"))
            opt.n = atol(v);
        else if (!strcmp(a, "--app"))
            opt.legacy = !strcmp(v, "legacy");
        else if (!strcmp(a, "--contexts"))
            opt.contexts = atoi(v);
        else if (!strcmp(a, "--anchors"))
            opt.own_anchors = !strcmp(v, "own");
        else
            usage();
    }
    if (!opt.pki || opt.n <= 0 || opt.contexts <= 0)
        usage();
    opt.mode = !strcmp(mode, "full")       ? M_FULL
               : !strcmp(mode, "resume")   ? M_RESUME
               : !strcmp(mode, "bulk")     ? M_BULK
               : !strcmp(mode, "contexts") ? M_CONTEXTS
               : !strcmp(mode, "rss")      ? M_RSS
                                           : (usage(), M_FULL);
    if (opt.mode == M_CONTEXTS)
        opt.legacy = !opt.own_anchors;
    return mode;
}

int main(int argc, char **argv)
{
    const char *mode = parse_args(argc, argv);
    snprintf(ca_path, sizeof ca_path, "%s/ca.pem", opt.pki);

    server_ctx = make_server_ctx();
    SSL_CTX *cctx = opt.mode == M_CONTEXTS ? NULL : make_client_ctx();
    char *buf = calloc(1, RECORD), *sink = malloc(RECORD);
    if (!buf || !sink)
        die("out of memory");
    /* Warm-up outside the measure: first-use costs (the shim's resolution,
     * its default store, OpenSSL's lazy tables) are one-off per process; the
     * contexts mode measures them on purpose instead. */
    if (opt.mode != M_CONTEXTS)
        one_connection(cctx);
    resumed_count = 0;
    long rss0 = rss_kb();
    double t0 = now(), c0 = cpu();
    bench_loop(cctx, buf, sink);
    double secs = now() - t0, csecs = cpu() - c0;

    printf("bench_tls mode=%s proto=%s app=%s n=%ld seconds=%.4f cpu_seconds=%.4f", mode,
           opt.proto == TLS1_3_VERSION ? "1.3" : "1.2", opt.legacy ? "legacy" : "verify", opt.n,
           secs, csecs);
    switch (opt.mode) {
    case M_FULL:
        printf(" rate=%.1f unit=handshakes/s\n", (double)opt.n / secs);
        break;
    case M_RESUME:
        printf(" rate=%.1f unit=handshakes/s resumed=%ld\n", (double)opt.n / secs, resumed_count);
        if (resumed_count != opt.n)
            die("not every handshake resumed");
        break;
    case M_BULK:
        printf(" rate=%.1f unit=MiB/s\n", 2.0 * (double)opt.n / secs);
        break;
    case M_CONTEXTS:
        printf(" contexts=%d anchors=%s\n", opt.contexts, opt.own_anchors ? "own" : "none");
        break;
    case M_RSS:
        printf(" resumed=%ld rss_kb_start=%ld rss_kb_after_1000=%ld rss_kb_after_n=%ld\n",
               resumed_count, rss0, bench_rss_at_1000, rss_kb());
        if (resumed_count != opt.n)
            die("not every handshake resumed");
        break;
    }
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(server_ctx);
    free(buf);
    free(sink);
    return 0;
}
