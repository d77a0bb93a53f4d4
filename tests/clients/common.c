/* common.c — see common.h. */
#include "common.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

void client_parse_args(int argc, char **argv, const char *progname, struct client_args *out)
{
    out->method = METHOD_ANY;
    if (argc == 5 && strcmp(argv[3], "--method") == 0) {
        if (strcmp(argv[4], "tls1") == 0)
            out->method = METHOD_TLS1;
        else if (strcmp(argv[4], "tls1_1") == 0)
            out->method = METHOD_TLS1_1;
        else if (strcmp(argv[4], "any") == 0)
            out->method = METHOD_ANY;
        else if (CLIENT_HAVE_SSL2_METHOD && strcmp(argv[4], "ssl2") == 0)
            out->method = METHOD_SSL2;
        else
            argc = 0; /* bad method: fall through to usage */
    }
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT [--method tls1|tls1_1|%sany]\n", progname,
                CLIENT_HAVE_SSL2_METHOD ? "ssl2|" : "");
        exit(EXIT_SETUP);
    }
    out->host = argv[1];
    out->port = argv[2];
    /* A peer that closes on us must give an error, not kill the client. */
    signal(SIGPIPE, SIG_IGN);
}

int client_tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        printf("getaddrinfo(%s, %s): %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        printf("connect to %s port %s failed\n", host, port);
    return fd;
}

/* SSLv23 with a TLS 1.0 floor: the ctrl from 1.1.0, option bits before.
 * SSL_OP_NO_SSLv2 also keeps 1.0.1 from sending an SSLv2-compatible
 * ClientHello (which an OpenSSL 3 server rejects) when its cipher list
 * admits SSLv2 suites. */
static void set_tls1_floor(SSL_CTX *ctx)
{
#if CLIENT_HAVE_PROTO_CTRL
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
#else
    SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3);
#endif
}

SSL_CTX *client_make_ctx(enum client_method method)
{
    SSL_CTX *ctx;

#if OPENSSL_VERSION_NUMBER < 0x10100000L
    /* 1.1.0 initialises itself; before, SSL_CTX_new has no ciphers without this. */
    static int initialised;
    if (!initialised) {
        SSL_library_init();
        SSL_load_error_strings();
        initialised = 1;
    }
#endif
    switch (method) {
    case METHOD_TLS1:
        ctx = SSL_CTX_new(TLSv1_client_method());
        break;
    case METHOD_TLS1_1:
        ctx = SSL_CTX_new(TLSv1_1_client_method());
        break;
#if CLIENT_HAVE_SSL2_METHOD
    case METHOD_SSL2:
        /* Its own default suites: DEFAULT holds no SSLv2 suite. */
        ctx = SSL_CTX_new(SSLv2_client_method());
        if (ctx == NULL) {
            printf("SSL_CTX_new(SSLv2_client_method()) failed\n");
            ERR_print_errors_fp(stdout);
        }
        return ctx;
#endif
    default:
        ctx = SSL_CTX_new(SSLv23_client_method());
        if (ctx != NULL)
            set_tls1_floor(ctx);
        break;
    }
    if (ctx == NULL) {
        printf("SSL_CTX_new failed\n");
        ERR_print_errors_fp(stdout);
        return NULL;
    }
    if (SSL_CTX_set_cipher_list(ctx, CLIENT_CIPHERS) != 1) {
        printf("SSL_CTX_set_cipher_list failed\n");
        ERR_print_errors_fp(stdout);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int client_is_ip_literal(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int client_payload(char *buf, size_t size, const char *progname)
{
    return snprintf(buf, size, "TLSGUARD-PAYLOAD %s\n", progname);
}

void client_report_ssl(const char *call, const SSL *ssl, int ret)
{
    long v = SSL_get_verify_result(ssl);
    printf("%s returned %d SSL_get_error=%d\n", call, ret, SSL_get_error(ssl, ret));
    printf("verify result: %ld (%s)\n", v, X509_verify_cert_error_string(v));
    ERR_print_errors_fp(stdout);
    fflush(stdout);
}

void client_print_options(SSL *ssl)
{
    printf("options 0x%llx\n", (unsigned long long)SSL_get_options(ssl));
}

void client_set_rcvtimeo(int fd, int ms)
{
    struct timeval tv;

    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

long long client_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
