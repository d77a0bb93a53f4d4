/*
 * common.h — the little that every legacy test client shares.
 *
 * Each client: `prog HOST PORT [--method tls1|tls1_1|any]`, sends exactly one
 * payload "TLSGUARD-PAYLOAD <progname>\n" and exits
 *   0  the whole payload was written,
 *   1  TLS or the write failed,
 *   2  setup error (usage, name resolution, TCP connect).
 * On every failure it prints "<call> returned <ret> SSL_get_error=<n>" and the
 * OpenSSL error queue (ERR_print_errors_fp(stdout)).
 *
 * The clients misuse OpenSSL on purpose (deprecated methods, no CA store, no
 * verification): they stand for the legacy programs tlsguard exists for.
 * Builds warning-free against OpenSSL 1.1.1 and 3.0.
 */
#ifndef TLSGUARD_TEST_CLIENT_COMMON_H
#define TLSGUARD_TEST_CLIENT_COMMON_H

#include <openssl/ssl.h>

#define EXIT_OK 0
#define EXIT_TLS 1
#define EXIT_SETUP 2

enum client_method { METHOD_ANY, METHOD_TLS1, METHOD_TLS1_1 };

struct client_args {
    const char *host;
    const char *port;
    enum client_method method;
};

/* Parses argv; prints usage and exits 2 on a bad command line. */
void client_parse_args(int argc, char **argv, const char *progname, struct client_args *out);

/* getaddrinfo(HOST) + a blocking TCP connect; returns the fd, or -1 after printing why. */
int client_tcp_connect(const char *host, const char *port);

/* The context every client starts from: the requested method (any = SSLv23/TLS
 * method with a TLS 1.0 floor) and "DEFAULT:@SECLEVEL=0" ciphers. Never loads
 * a CA store. Returns NULL after printing the error queue. */
SSL_CTX *client_make_ctx(enum client_method method);

/* Nonzero when HOST is an IPv4 or IPv6 literal (no SNI is sent for those). */
int client_is_ip_literal(const char *host);

/* Fills buf with "TLSGUARD-PAYLOAD <progname>\n"; returns its length. */
int client_payload(char *buf, size_t size, const char *progname);

/* Prints "<call> returned <ret> SSL_get_error=<n>" and the error queue. */
void client_report_ssl(const char *call, const SSL *ssl, int ret);

/* Sets a receive timeout in milliseconds on a blocking socket. */
void client_set_rcvtimeo(int fd, int ms);

/* Milliseconds on a monotonic clock. */
long long client_now_ms(void);

#endif
