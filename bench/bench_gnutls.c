/*
 * bench_gnutls — a GnuTLS client alone in its process, for whole-process
 * measurements of the shim's cost on GnuTLS programs (the server runs in
 * another process): a program that brings its own CA file and verifies by
 * itself, as a careful GnuTLS program does.
 *
 *   bench_gnutls --port P --ca FILE [--n N]
 *
 * N full handshakes to 127.0.0.1:P (a fresh session each, no resumption),
 * each verified for "localhost" (SNI + gnutls_session_set_verify_cert)
 * against FILE only (gnutls_certificate_set_x509_trust_file), one line
 * written, then closed. Exit 0 on success, 1 on any TLS or socket failure.
 * Not a test.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "../tests/lib/loopback.h"
#include "bench_args.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "bench_gnutls: %s failed: %s\n", what, gnutls_strerror(rc));
    return 1;
}

/* One verified connection, one line written. */
static int connection(gnutls_certificate_credentials_t cred, int port)
{
    gnutls_session_t s;
    int fd = tg_loopback_connect(port), rc;
    if (fd < 0)
        return 1;
    if ((rc = gnutls_init(&s, GNUTLS_CLIENT)) != 0) {
        close(fd);
        return fail("gnutls_init", rc);
    }
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", 9);
    gnutls_session_set_verify_cert(s, "localhost", 0);
    gnutls_transport_set_int(s, fd);
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc == 0 && gnutls_record_send(s, "bench\n", 6) != 6)
        rc = GNUTLS_E_PUSH_ERROR;
    if (rc == 0)
        gnutls_bye(s, GNUTLS_SHUT_WR);
    else
        fail("handshake or send", rc);
    gnutls_deinit(s);
    close(fd);
    return rc != 0;
}

int main(int argc, char **argv)
{
    struct bench_args a = bench_args_parse(argc, argv);
    const char *ca = a.ca;
    int port = a.port;
    long n = a.n;
    if (!port || !ca || n < 1) {
        fprintf(stderr, "usage: bench_gnutls --port P --ca FILE [--n N]\n");
        return 1;
    }
    gnutls_certificate_credentials_t cred;
    gnutls_global_init();
    if (gnutls_certificate_allocate_credentials(&cred) != 0 ||
        gnutls_certificate_set_x509_trust_file(cred, ca, GNUTLS_X509_FMT_PEM) <= 0) {
        fprintf(stderr, "bench_gnutls: loading the CA failed\n");
        return 1;
    }
    int rc = 0;
    for (long i = 0; !rc && i < n; i++)
        rc = connection(cred, port);
    gnutls_certificate_free_credentials(cred);
    gnutls_global_deinit();
    if (!rc)
        printf("bench_gnutls n=%ld ok\n", n);
    return rc;
}
