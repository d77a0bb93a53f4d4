/*
 * legacy_bio — the BIO API client: BIO_new_ssl_connect + BIO_set_conn_hostname
 * ("HOST:PORT", so OpenSSL itself resolves the name), SSL_VERIFY_NONE, no SNI,
 * BIO_do_handshake, then BIO_write + BIO_flush.
 */
#include "common.h"

#include <stdio.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#define PROGNAME "legacy_bio"

int main(int argc, char **argv)
{
    struct client_args args;
    char payload[128], target[512], buf[256];
    int n, ret, fd = -1;
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    BIO *bio;

    client_parse_args(argc, argv, PROGNAME, &args);
    n = client_payload(payload, sizeof(payload), PROGNAME);
    snprintf(target, sizeof(target), "%s:%s", args.host, args.port);

    ctx = client_make_ctx(args.method);
    if (ctx == NULL)
        return EXIT_SETUP;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    bio = BIO_new_ssl_connect(ctx);
    if (bio == NULL || BIO_get_ssl(bio, &ssl) != 1 || ssl == NULL) {
        printf("BIO_new_ssl_connect failed\n");
        ERR_print_errors_fp(stdout);
        return EXIT_SETUP;
    }
    BIO_set_conn_hostname(bio, target);

    /* Connect the TCP part first (the connect BIO under the SSL BIO), so a
     * refused connection is a setup error and not a TLS failure. */
    if (BIO_do_connect(BIO_next(bio)) <= 0) {
        printf("BIO_do_connect(%s) failed\n", target);
        ERR_print_errors_fp(stdout);
        return EXIT_SETUP;
    }

    ret = (int)BIO_do_handshake(bio);
    if (ret <= 0) {
        client_report_ssl("BIO_do_handshake", ssl, ret);
        BIO_free_all(bio);
        return EXIT_TLS;
    }
    ret = BIO_write(bio, payload, n);
    if (ret != n) {
        client_report_ssl("BIO_write", ssl, ret);
        BIO_free_all(bio);
        return EXIT_TLS;
    }
    if (BIO_flush(bio) != 1) {
        client_report_ssl("BIO_flush", ssl, 0);
        BIO_free_all(bio);
        return EXIT_TLS;
    }
    printf("BIO_write returned %d\n", ret);
    if (BIO_get_fd(bio, &fd) >= 0 && fd >= 0)
        client_set_rcvtimeo(fd, 250);
    (void)BIO_read(bio, buf, sizeof(buf)); /* drain tickets; result ignored */
    ERR_clear_error();
    BIO_free_all(bio);
    return EXIT_OK;
}
