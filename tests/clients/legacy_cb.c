/*
 * legacy_cb — "verifies" with SSL_VERIFY_PEER and a verify callback that
 * always says yes; sets SNI (unless HOST is an IP literal); drives the
 * handshake the way Python's _ssl does: SSL_set_connect_state + SSL_do_handshake.
 */
#include "common.h"

#include <stdio.h>
#include <unistd.h>

#include <openssl/err.h>

#define PROGNAME "legacy_cb"

static int accept_everything(int preverify_ok, X509_STORE_CTX *store)
{
    (void)preverify_ok;
    (void)store;
    return 1;
}

int main(int argc, char **argv)
{
    struct client_args args;
    char payload[128], buf[256];
    int fd, n, ret;
    SSL_CTX *ctx;
    SSL *ssl;

    client_parse_args(argc, argv, PROGNAME, &args);
    n = client_payload(payload, sizeof(payload), PROGNAME);

    ctx = client_make_ctx(args.method);
    if (ctx == NULL)
        return EXIT_SETUP;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_everything);

    fd = client_tcp_connect(args.host, args.port);
    if (fd < 0)
        return EXIT_SETUP;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!client_is_ip_literal(args.host))
        SSL_set_tlsext_host_name(ssl, args.host);
    SSL_set_connect_state(ssl);

    ret = SSL_do_handshake(ssl);
    if (ret != 1) {
        client_report_ssl("SSL_do_handshake", ssl, ret);
        close(fd);
        return EXIT_TLS;
    }
    ret = SSL_write(ssl, payload, n);
    if (ret != n) {
        client_report_ssl("SSL_write", ssl, ret);
        close(fd);
        return EXIT_TLS;
    }
    printf("SSL_write returned %d\n", ret);
    client_set_rcvtimeo(fd, 250);
    (void)SSL_read(ssl, buf, sizeof(buf)); /* drain tickets; result ignored */
    ERR_clear_error();
    close(fd);
    return EXIT_OK;
}
