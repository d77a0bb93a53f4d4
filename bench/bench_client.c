/*
 * bench_client — a TLS client alone in its process, for whole-process
 * measurements of the shim's cost (the server runs in another process):
 * a program that brings its own CA file and verifies by itself.
 *
 *   bench_client --port P --ca FILE [--mode handshakes|bulk] [--n N]
 *
 *   handshakes  N full handshakes to 127.0.0.1:P (a fresh SSL each, no
 *               session reuse), each verified for "localhost" (SNI +
 *               SSL_set1_host) against FILE, one line written, then closed
 *   bulk        one such handshake, then N MiB of SSL_write in 16 KiB records
 *
 * The server (bench/run.py's) drains what it gets until the peer closes.
 * Exit 0 on success, 1 on any TLS or socket failure. Not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../tests/lib/loopback.h"
#include "bench_args.h"

#define RECORD 16384

static int fail(const char *what)
{
    fprintf(stderr, "bench_client: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    return 1;
}

/* One verified connection; `mib` MiB written after the handshake (0: one line). */
static int connection(SSL_CTX *ctx, int port, long mib)
{
    static char record[RECORD];
    int fd = tg_loopback_connect(port), rc = 1;
    if (fd < 0)
        return 1;
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    if (SSL_connect(ssl) != 1) {
        fail("SSL_connect");
        goto out;
    }
    if (mib == 0 && SSL_write(ssl, "bench\n", 6) != 6) {
        fail("SSL_write");
        goto out;
    }
    for (long i = 0; i < mib * (1024 * 1024 / RECORD); i++)
        if (SSL_write(ssl, record, RECORD) != RECORD) {
            fail("SSL_write");
            goto out;
        }
    SSL_shutdown(ssl);
    rc = 0;
out:
    SSL_free(ssl);
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    struct bench_args a = bench_args_parse(argc, argv);
    const char *ca = a.ca, *mode = a.mode;
    int port = a.port;
    long n = a.n;
    int bulk = !strcmp(mode, "bulk");
    if (!port || !ca || n < 1 || (!bulk && strcmp(mode, "handshakes"))) {
        fprintf(stderr,
                "usage: bench_client --port P --ca FILE [--mode handshakes|bulk] [--n N]\n");
        return 1;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        return fail("loading the CA");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int rc = 0;
    for (long i = 0; !rc && i < (bulk ? 1 : n); i++)
        rc = connection(ctx, port, bulk ? n : 0);
    SSL_CTX_free(ctx);
    if (!rc)
        printf("bench_client mode=%s n=%ld ok\n", mode, n);
    return rc;
}
