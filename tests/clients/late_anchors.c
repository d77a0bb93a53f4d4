/*
 * late_anchors — a client that verifies, but fills its trust store late, as
 * curl 7.88 does: SSL_VERIFY_PEER and the host name are set up front, the
 * socket is non-blocking, and the CA file is loaded into the context's store
 * only after the first SSL_connect call has sent the ClientHello and returned
 * SSL_ERROR_WANT_READ; the handshake then goes on (poll + SSL_connect).
 *
 *   late_anchors HOST PORT CAFILE
 *
 * Exits as the other clients (common.h): 0 when the payload was written over
 * a verified connection, 1 on a TLS failure, 2 on a setup error (also when
 * the first SSL_connect did not stop for the server's reply: then the CA
 * would not have been loaded late).
 */
#include "common.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/err.h>

#define PROGNAME    "late_anchors"
#define DEADLINE_MS 5000

static int wait_for(int fd, int ssl_error, long long deadline)
{
    struct pollfd p;
    long long left = deadline - client_now_ms();

    if (left <= 0)
        return -1;
    p.fd = fd;
    p.events = ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
    p.revents = 0;
    return poll(&p, 1, (int)left) > 0 ? 0 : -1;
}

/* SSL_connect until done; the CA file goes in after the first call. */
static int handshake(SSL *ssl, SSL_CTX *ctx, int fd, const char *cafile)
{
    long long deadline = client_now_ms() + DEADLINE_MS;
    int first = 1;
    for (;;) {
        int ret = SSL_connect(ssl);
        if (ret == 1 && first)
            fprintf(stderr, "%s: the first SSL_connect finished the handshake\n", PROGNAME);
        if (ret == 1)
            return first ? EXIT_SETUP : EXIT_OK;
        int err = SSL_get_error(ssl, ret);
        if (first) {
            first = 0;
            if (err != SSL_ERROR_WANT_READ) {
                client_report_ssl("first SSL_connect (wanted SSL_ERROR_WANT_READ)", ssl, ret);
                return EXIT_SETUP;
            }
            if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
                client_report_ssl("SSL_CTX_load_verify_locations", ssl, 0);
                return EXIT_SETUP;
            }
        }
        if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ||
            wait_for(fd, err, deadline) < 0) {
            client_report_ssl("SSL_connect", ssl, ret);
            return EXIT_TLS;
        }
    }
}

int main(int argc, char **argv)
{
    char payload[128];
    int fd, n, rc, flags;

    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT CAFILE\n", PROGNAME);
        return EXIT_SETUP;
    }
    signal(SIGPIPE, SIG_IGN);
    n = client_payload(payload, sizeof(payload), PROGNAME);
    SSL_CTX *ctx = client_make_ctx(METHOD_ANY);
    if (ctx == NULL) {
        printf("SSL_CTX_new failed\n");
        ERR_print_errors_fp(stdout);
        return EXIT_SETUP;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

    fd = client_tcp_connect(argv[1], argv[2]);
    if (fd < 0)
        return EXIT_SETUP;
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        perror("fcntl");
        return EXIT_SETUP;
    }
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!client_is_ip_literal(argv[1]))
        SSL_set_tlsext_host_name(ssl, argv[1]);
#if OPENSSL_VERSION_NUMBER >= 0x10100000L
    SSL_set1_host(ssl, argv[1]);
#elif OPENSSL_VERSION_NUMBER >= 0x10002000L
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), argv[1], 0);
#endif

    rc = handshake(ssl, ctx, fd, argv[3]);
    if (rc == EXIT_OK) {
        /* Blocking again for the one write: the handshake is what is tested. */
        fcntl(fd, F_SETFL, flags);
        int ret = SSL_write(ssl, payload, n);
        if (ret != n) {
            client_report_ssl("SSL_write", ssl, ret);
            rc = EXIT_TLS;
        } else {
            printf("SSL_write returned %d\n", ret);
        }
    }
    ERR_clear_error();
    close(fd);
    return rc;
}
