/*
 * two_libssl_conn.c — one TLS client connection, compiled twice: into the
 * two_libssl program against the system OpenSSL, and into its plugin against
 * another OpenSSL, so one process holds two libssl copies (as on CentOS hosts
 * with a vendored OpenSSL beside the system's).
 *
 * Exports TWO_CONNECT (a macro naming the function per build): connect to
 * HOST:PORT, TLS with VERIFY_NONE and SNI, write "TLSGUARD-PAYLOAD <tag>\n".
 * Returns 0 when the payload was written, 1 when TLS failed, 2 on setup errors.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* Every getaddrinfo() result in turn ("localhost" is ::1 first where
 * /etc/hosts says so, and the test servers listen on 127.0.0.1 only).
 * A failure says so on stderr: a silent setup error once passed for a test. */
static int connect_any(const char *host, const char *port, const char *tag)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "%s: getaddrinfo(%s, %s): %s\n", tag, host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "%s: cannot connect to %s port %s (every address tried)\n", tag, host,
                port);
    return fd;
}

__attribute__((visibility("default"))) int TWO_CONNECT(const char *host, const char *port,
                                                       const char *tag)
{
    char payload[128];
    int rc;
    int fd = connect_any(host, port, tag);
    if (fd < 0)
        return 2;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, host);
    int n = snprintf(payload, sizeof payload, "TLSGUARD-PAYLOAD %s\n", tag);
    rc = 1;
    if (SSL_connect(ssl) == 1 && SSL_write(ssl, payload, n) == n) {
        rc = 0;
        SSL_shutdown(ssl);
    } else {
        ERR_print_errors_fp(stdout);
    }
    printf("%s (%s): %s\n", tag, OpenSSL_version(OPENSSL_VERSION), rc == 0 ? "sent" : "failed");
    fflush(stdout);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return rc;
}
