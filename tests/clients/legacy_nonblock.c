/*
 * legacy_nonblock — an event-loop style client: blocking TCP connect, then
 * O_NONBLOCK; SSL_VERIFY_NONE; SNI set (unless HOST is an IP literal);
 * SSL_connect and SSL_write loops that wait with poll() on
 * SSL_ERROR_WANT_READ / SSL_ERROR_WANT_WRITE, 5 s overall.
 */
#include "common.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/err.h>

#define PROGNAME    "legacy_nonblock"
#define DEADLINE_MS 5000

/* Waits for what SSL_get_error asked for; 0 when it may retry, -1 on timeout. */
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

int main(int argc, char **argv)
{
    struct client_args args;
    char payload[128], buf[256];
    int fd, n, ret, err, flags;
    long long deadline;
    SSL_CTX *ctx;
    SSL *ssl;

    client_parse_args(argc, argv, PROGNAME, &args);
    n = client_payload(payload, sizeof(payload), PROGNAME);

    ctx = client_make_ctx(args.method);
    if (ctx == NULL)
        return EXIT_SETUP;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    fd = client_tcp_connect(args.host, args.port);
    if (fd < 0)
        return EXIT_SETUP;
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        perror("fcntl");
        return EXIT_SETUP;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!client_is_ip_literal(args.host))
        SSL_set_tlsext_host_name(ssl, args.host);

    deadline = client_now_ms() + DEADLINE_MS;
    for (;;) {
        ret = SSL_connect(ssl);
        if (ret == 1)
            break;
        err = SSL_get_error(ssl, ret);
        if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ||
            wait_for(fd, err, deadline) < 0) {
            client_report_ssl("SSL_connect", ssl, ret);
            close(fd);
            return EXIT_TLS;
        }
    }
    for (;;) {
        ret = SSL_write(ssl, payload, n);
        if (ret > 0)
            break;
        err = SSL_get_error(ssl, ret);
        if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ||
            wait_for(fd, err, deadline) < 0) {
            client_report_ssl("SSL_write", ssl, ret);
            close(fd);
            return EXIT_TLS;
        }
    }
    printf("SSL_write returned %d\n", ret);
    if (ret != n) { /* no partial writes without SSL_MODE_ENABLE_PARTIAL_WRITE */
        client_report_ssl("SSL_write", ssl, ret);
        close(fd);
        return EXIT_TLS;
    }
    /* Drain what the server sends (TLS 1.3 tickets) for a moment; ignored. */
    deadline = client_now_ms() + 250;
    for (;;) {
        ret = SSL_read(ssl, buf, sizeof(buf));
        if (ret > 0 || SSL_get_error(ssl, ret) != SSL_ERROR_WANT_READ ||
            wait_for(fd, SSL_ERROR_WANT_READ, deadline) < 0)
            break;
    }
    ERR_clear_error();
    close(fd);
    return EXIT_OK;
}
