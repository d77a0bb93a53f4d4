/*
 * adv_server.c — the hostile TLS server of the adversarial suite (system OpenSSL 3).
 *
 *   adv_server --cert C --key K [--tls 1.2|1.3|any] [--push]
 *              [--reneg-cert C2 --reneg-key K2] --log FILE
 *
 * Listens on 127.0.0.1 (port chosen by the kernel), prints "PORT <n>" on stdout
 * once listening, serves each connection in a thread of its own, and appends
 * every application byte it receives to FILE: "zero bytes arrived" is checkable.
 * All threads share one context, so sessions (TLS 1.2 ids and tickets, TLS 1.3
 * tickets) resume whatever SNI the client sends: there is no servername callback.
 *   --push        writes "ADV-SERVER-PUSH\n" right after the handshake.
 *   --no-tickets  TLS 1.2 sessions resume by id from the server's cache only, and
 *                 without the extended master secret (which a session rebuilt
 *                 from its parts cannot claim).
 *   --early       (TLS 1.3) accepts early data (0-RTT) and logs it too.
 *   --reneg-*     (TLS 1.2) starts a renegotiation right after the handshake,
 *                 presenting the second certificate, then writes
 *                 "ADV-AFTER-RENEG\n" once it completed.
 * Security level 0 and TLS 1.0 allowed: the server refuses no client; the
 * client (or the shim) is what is under test.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct opts {
    const char *cert, *key, *reneg_cert, *reneg_key, *log, *tls;
    int push, early, no_tickets;
};

static struct opts opt;
static SSL_CTX *ctx;
static FILE *bytes_log;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void record(const char *buf, int n)
{
    pthread_mutex_lock(&log_lock);
    fwrite(buf, 1, (size_t)n, bytes_log);
    fflush(bytes_log);
    pthread_mutex_unlock(&log_lock);
}

static void die(const char *what)
{
    fprintf(stderr, "adv_server: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static void parse(int argc, char **argv)
{
    opt.tls = "any";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--push")) {
            opt.push = 1;
            continue;
        }
        if (!strcmp(a, "--early")) {
            opt.early = 1;
            continue;
        }
        if (!strcmp(a, "--no-tickets")) {
            opt.no_tickets = 1;
            continue;
        }
        if (!v)
            die("usage: adv_server --cert C --key K --log F [--tls V] [--push] [--reneg-cert C "
                "--reneg-key K]");
        if (!strcmp(a, "--cert"))
            opt.cert = v;
        else if (!strcmp(a, "--key"))
            opt.key = v;
        else if (!strcmp(a, "--reneg-cert"))
            opt.reneg_cert = v;
        else if (!strcmp(a, "--reneg-key"))
            opt.reneg_key = v;
        else if (!strcmp(a, "--log"))
            opt.log = v;
        else if (!strcmp(a, "--tls"))
            opt.tls = v;
        else
            die("unknown option");
        i++;
    }
    if (!opt.cert || !opt.key || !opt.log)
        die("--cert, --key and --log are required");
}

static void make_ctx(void)
{
    static const unsigned char sid_ctx[] = "adv";
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        die("SSL_CTX_new");
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    if (!strcmp(opt.tls, "1.2"))
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    else if (!strcmp(opt.tls, "1.3"))
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    /* Renegotiation (the server's HelloRequest) is allowed for every client. */
    SSL_CTX_clear_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    if (opt.early)
        SSL_CTX_set_max_early_data(ctx, 16384);
    if (opt.no_tickets)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_EXTENDED_MASTER_SECRET);
    if (SSL_CTX_use_certificate_chain_file(ctx, opt.cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, opt.key, SSL_FILETYPE_PEM) != 1)
        die("loading the certificate");
}

/* Counts SSL_CB_HANDSHAKE_DONE: the first handshake, the HelloRequest sent, the
 * renegotiation itself (the third). */
static void count_handshakes(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (where & SSL_CB_HANDSHAKE_DONE)
        ++*(int *)SSL_get_app_data(ssl);
}

/* Sends a HelloRequest with the second certificate in place. */
static int start_reneg(SSL *ssl)
{
    if (SSL_use_certificate_chain_file(ssl, opt.reneg_cert) != 1 ||
        SSL_use_PrivateKey_file(ssl, opt.reneg_key, SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 0;
    }
    if (SSL_renegotiate(ssl) != 1 || SSL_do_handshake(ssl) != 1) {
        fprintf(stderr, "adv_server: renegotiate failed\n");
        ERR_print_errors_fp(stderr);
        return 0;
    }
    /* A full handshake, so the new certificate is sent (not a resumption of the
     * session just made); SSL_read returns after handshake records, so the
     * loop can tell when it is done. */
    SSL_set_options(ssl, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
    SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
    return 1;
}

static void read_loop(SSL *ssl, int reneg, const int *handshakes)
{
    char buf[4096];
    int announced = 0;
    for (;;) {
        int n = SSL_read(ssl, buf, sizeof buf);
        int err = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, n); /* before any SSL_write */
        if (n > 0)
            record(buf, n);
        if (reneg && !announced && *handshakes >= 3 && SSL_is_init_finished(ssl)) {
            announced = 1;
            fprintf(stderr, "adv_server: renegotiation done\n");
            SSL_write(ssl, "ADV-AFTER-RENEG\n", 16);
        }
        if (n <= 0 && err != SSL_ERROR_WANT_READ) {
            fprintf(stderr, "adv_server: read ended: %d SSL_get_error=%d\n", n, err);
            ERR_print_errors_fp(stderr);
            break;
        }
    }
}

/* Reads (and logs) whatever early data the client sends before the handshake. */
static void read_early(SSL *ssl)
{
    char buf[4096];
    size_t n;
    for (;;) {
        int r = SSL_read_early_data(ssl, buf, sizeof buf, &n);
        if (r == SSL_READ_EARLY_DATA_SUCCESS) {
            record(buf, (int)n);
            continue;
        }
        fprintf(stderr, "adv_server: early data %s, status %d\n",
                r == SSL_READ_EARLY_DATA_FINISH ? "done" : "failed",
                SSL_get_early_data_status(ssl));
        return;
    }
}

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    int handshakes = 0;
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_app_data(ssl, &handshakes);
    SSL_set_info_callback(ssl, count_handshakes);
    if (opt.early)
        read_early(ssl);
    if (SSL_accept(ssl) != 1) {
        fprintf(stderr, "adv_server: handshake failed\n");
        ERR_print_errors_fp(stderr);
        goto out;
    }
    fprintf(stderr, "adv_server: handshake done %s reused=%d\n", SSL_get_version(ssl),
            SSL_session_reused(ssl));
    if (opt.push)
        SSL_write(ssl, "ADV-SERVER-PUSH\n", 16);
    int reneg = opt.reneg_cert && start_reneg(ssl);
    read_loop(ssl, reneg, &handshakes);
    SSL_shutdown(ssl);
out:
    SSL_free(ssl);
    close(fd);
    ERR_clear_error();
    return NULL;
}

static int listen_any(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0)
        die("listen");
    printf("PORT %d\n", ntohs(a.sin_port));
    fflush(stdout);
    return s;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    parse(argc, argv);
    bytes_log = fopen(opt.log, "ab");
    if (!bytes_log)
        die("opening the log");
    make_ctx();
    int s = listen_any();
    for (;;) {
        int fd = accept(s, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(long)fd) == 0)
            pthread_detach(t);
        else
            close(fd);
    }
}
