/*
 * legacy_tls1 — the worst kind of legacy client: TLSv1_client_method() (with
 * --method tls1; SSLv2_client_method() with --method ssl2), SSL_VERIFY_NONE, no
 * SNI, and it ignores SSL_connect's return value and writes anyway.
 */
#include "common.h"

#include <stdio.h>
#include <unistd.h>

#include <openssl/err.h>

#define PROGNAME "legacy_tls1"

int main(int argc, char **argv)
{
    struct client_args args;
    char payload[128], buf[256];
    int fd, n, cret, wret;
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
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);

    cret = SSL_connect(ssl); /* return value ignored, as the legacy code did */
    printf("SSL_connect returned %d (ignored)\n", cret);
    client_print_options(ssl);

    wret = SSL_write(ssl, payload, n);
    if (wret != n) {
        client_report_ssl("SSL_write", ssl, wret);
        close(fd);
        return EXIT_TLS;
    }
    printf("SSL_write returned %d\n", wret);
    client_set_rcvtimeo(fd, 250);
    (void)SSL_read(ssl, buf, sizeof(buf)); /* drain tickets; result ignored */
    ERR_clear_error();
    close(fd);
    return EXIT_OK;
}
