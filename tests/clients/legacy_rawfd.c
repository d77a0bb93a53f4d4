/*
 * legacy_rawfd — a legacy client that ignores SSL_connect's failure and
 * then writes twice: SSL_write of the payload, and, after SSL_shutdown (the
 * usual clean-up), write(2) of a raw line straight to the socket, beneath
 * libssl (as code that falls back to plaintext on the same descriptor does):
 *
 *   legacy_rawfd HOST PORT [--sigpipe | --late]
 *
 * SSL_VERIFY_NONE, no CA store, TLS 1.0 allowed (common.h's context), the
 * SNI set. SIGPIPE is ignored, so a shut socket shows as EPIPE, unless
 * --sigpipe leaves it at its default (the write then kills the program, as
 * it would on any connection the peer reset). --late waits 300 ms before its
 * SSL_write (a refused peer has closed by then) and prints that call's
 * error text: "SSL_write error: TEXT". Prints "SSL_connect returned
 * N (ignored)", "SSL_write returned N", "SSL_shutdown returned N" and "raw
 * write returned N errno=E"; exits 0 when both writes wrote everything, 1
 * otherwise, 2 on a setup error.
 */
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#define PROGNAME "legacy_rawfd"
#define RAW_LINE "TLSGUARD-RAWFD legacy_rawfd\n"

int main(int argc, char **argv)
{
    char payload[128];
    int late = argc > 3 && !strcmp(argv[3], "--late");
    if (argc < 3 || (argc > 3 && strcmp(argv[3], "--sigpipe") && !late)) {
        fprintf(stderr, "usage: %s HOST PORT [--sigpipe | --late]\n", PROGNAME);
        return EXIT_SETUP;
    }
    if (argc == 3 || late)
        signal(SIGPIPE, SIG_IGN);
    int n = client_payload(payload, sizeof(payload), PROGNAME);
    SSL_CTX *ctx = client_make_ctx(METHOD_ANY);
    if (ctx == NULL)
        return EXIT_SETUP;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    int fd = client_tcp_connect(argv[1], argv[2]);
    if (fd < 0)
        return EXIT_SETUP;
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!client_is_ip_literal(argv[1]) && !late) /* late: the name is the resolver's */
        SSL_set_tlsext_host_name(ssl, argv[1]);

    int cret = SSL_connect(ssl); /* return value ignored, as the legacy code did */
    printf("SSL_connect returned %d (ignored)\n", cret);
    fflush(stdout);
    if (late) {
        ERR_clear_error();
        usleep(300000);
    }
    int wret = SSL_write(ssl, payload, n);
    printf("SSL_write returned %d\n", wret);
    if (late && wret <= 0) {
        char text[512];
        ERR_error_string_n(ERR_peek_last_error(), text, sizeof text);
        printf("SSL_write error: %s\n", text);
    }
    fflush(stdout);
    printf("SSL_shutdown returned %d\n", SSL_shutdown(ssl));
    ERR_clear_error();
    fflush(stdout);
    ssize_t raw = write(fd, RAW_LINE, strlen(RAW_LINE));
    printf("raw write returned %ld errno=%d\n", (long)raw, raw < 0 ? errno : 0);
    fflush(stdout);
    usleep(200000); /* the relay forwards before we close */
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return wret == n && raw == (ssize_t)strlen(RAW_LINE) ? EXIT_OK : EXIT_TLS;
}
