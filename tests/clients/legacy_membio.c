/*
 * legacy_membio — a memory-BIO client (as an event loop or a TLS-over-anything
 * library does it): the SSL sits on one end of a BIO pair and this program
 * shuttles bytes between the other end and a TCP socket by hand, so no fd is
 * ever attached to the SSL. SNI set to HOST (unless an IP literal),
 * SSL_VERIFY_NONE, SSL_connect loop, then SSL_write.
 */
#include "common.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#define PROGNAME    "legacy_membio"
#define DEADLINE_MS 5000

struct pump {
    int fd;
    BIO *net; /* our end of the pair; the SSL holds the other */
    int eof;  /* the peer closed the TCP connection */
};

/* Sends everything the SSL produced to the socket; -1 on a socket error. */
static int pump_out(struct pump *p)
{
    char buf[4096];
    int k, off, w;

    while (BIO_ctrl_pending(p->net) > 0) {
        k = BIO_read(p->net, buf, sizeof(buf));
        if (k <= 0)
            break;
        for (off = 0; off < k; off += w) {
            w = (int)send(p->fd, buf + off, (size_t)(k - off), 0);
            if (w < 0) {
                if (errno == EINTR) {
                    w = 0;
                    continue;
                }
                return -1;
            }
        }
    }
    return 0;
}

/* Waits up to the deadline for socket bytes and hands them to the SSL.
 * 0 when something (bytes or EOF) was fed, -1 on timeout or error. */
static int pump_in(struct pump *p, long long deadline)
{
    char buf[4096];
    struct pollfd pfd;
    long long left = deadline - client_now_ms();
    size_t room;
    ssize_t k;

    if (p->eof || left <= 0)
        return -1;
    pfd.fd = p->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, (int)left) <= 0)
        return -1;
    room = BIO_ctrl_get_write_guarantee(p->net);
    if (room > sizeof(buf))
        room = sizeof(buf);
    if (room == 0)
        return 0; /* the SSL has unread input already */
    k = recv(p->fd, buf, room, 0);
    if (k < 0)
        return -1;
    if (k == 0) {
        p->eof = 1;
        (void)BIO_shutdown_wr(p->net); /* the SSL sees EOF on its next read */
        return 0;
    }
    BIO_write(p->net, buf, (int)k);
    return 0;
}

/* One step of an SSL call's retry loop: moves bytes as SSL_get_error asks.
 * 0 to retry, -1 to give up. */
static int pump_step(struct pump *p, SSL *ssl, int ret, long long deadline)
{
    int err = SSL_get_error(ssl, ret);

    if (pump_out(p) < 0)
        return -1;
    if (err == SSL_ERROR_WANT_WRITE)
        return 0;
    if (err == SSL_ERROR_WANT_READ)
        return pump_in(p, deadline);
    return -1;
}

int main(int argc, char **argv)
{
    struct client_args args;
    struct pump p;
    char payload[128], buf[256];
    int n, ret;
    long long deadline;
    BIO *ssl_side = NULL;
    SSL_CTX *ctx;
    SSL *ssl;

    client_parse_args(argc, argv, PROGNAME, &args);
    n = client_payload(payload, sizeof(payload), PROGNAME);

    ctx = client_make_ctx(args.method);
    if (ctx == NULL)
        return EXIT_SETUP;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    p.eof = 0;
    p.net = NULL;
    p.fd = client_tcp_connect(args.host, args.port);
    if (p.fd < 0)
        return EXIT_SETUP;
    if (BIO_new_bio_pair(&ssl_side, 0, &p.net, 0) != 1) {
        printf("BIO_new_bio_pair failed\n");
        ERR_print_errors_fp(stdout);
        return EXIT_SETUP;
    }
    ssl = SSL_new(ctx);
    SSL_set_bio(ssl, ssl_side, ssl_side);
    if (!client_is_ip_literal(args.host))
        SSL_set_tlsext_host_name(ssl, args.host);

    deadline = client_now_ms() + DEADLINE_MS;
    for (;;) {
        ret = SSL_connect(ssl);
        if (ret == 1 && pump_out(&p) == 0)
            break;
        if (ret == 1 || pump_step(&p, ssl, ret, deadline) < 0) {
            client_report_ssl("SSL_connect", ssl, ret);
            close(p.fd);
            return EXIT_TLS;
        }
    }
    for (;;) {
        ret = SSL_write(ssl, payload, n);
        if (ret > 0 && pump_out(&p) == 0)
            break;
        if (ret > 0 || pump_step(&p, ssl, ret, deadline) < 0) {
            client_report_ssl("SSL_write", ssl, ret);
            close(p.fd);
            return EXIT_TLS;
        }
    }
    printf("SSL_write returned %d\n", ret);
    if (ret != n) {
        client_report_ssl("SSL_write", ssl, ret);
        close(p.fd);
        return EXIT_TLS;
    }
    /* Drain what the server sends (TLS 1.3 tickets) for a moment; ignored. */
    deadline = client_now_ms() + 250;
    for (;;) {
        ret = SSL_read(ssl, buf, sizeof(buf));
        if (ret > 0 || pump_step(&p, ssl, ret, deadline) < 0)
            break;
    }
    ERR_clear_error();
    close(p.fd);
    return EXIT_OK;
}
