/*
 * common.h — the little that every legacy test client shares.
 *
 * Each client: `prog HOST PORT [--method tls1|tls1_1|ssl2|any]` (ssl2 only on
 * the versions that declare SSLv2_client_method), sends exactly one
 * payload "TLSGUARD-PAYLOAD <progname>\n" and exits
 *   0  the whole payload was written,
 *   1  TLS or the write failed,
 *   2  setup error (usage, name resolution, TCP connect).
 * On every failure it prints "<call> returned <ret> SSL_get_error=<n>" and the
 * OpenSSL error queue (ERR_print_errors_fp(stdout)).
 *
 * The clients misuse OpenSSL on purpose (deprecated methods, no CA store, no
 * verification): they stand for the legacy programs tlsguard exists for.
 * Builds warning-free against OpenSSL 1.0.1, 1.0.2, 1.1.1 and 3.0; what a
 * version lacks (the min/max protocol ctrls, TLS 1.3, security levels) is
 * left out with #if, and the test driver skips those cases with the reason.
 */
#ifndef TLSGUARD_TEST_CLIENT_COMMON_H
#define TLSGUARD_TEST_CLIENT_COMMON_H

#include <openssl/opensslv.h>
#include <openssl/ssl.h>

/* 1.1.0 added the min/max protocol version ctrls and security levels. */
#if OPENSSL_VERSION_NUMBER >= 0x10100000L
#define CLIENT_HAVE_PROTO_CTRL 1
/* TLS 1.0/1.1 need security level 0 on OpenSSL 3. */
#define CLIENT_SECLEVEL0 ":@SECLEVEL=0"
#else
#define CLIENT_HAVE_PROTO_CTRL 0
#define CLIENT_SECLEVEL0       "" /* 1.0.x knows no @SECLEVEL and fails the whole string */
#endif
#define CLIENT_CIPHERS "DEFAULT" CLIENT_SECLEVEL0

/* SSLv2_client_method: declared up to 1.0.2 unless configured out (1.0.2g+
 * builds it without SSLv2 by default: it then returns NULL). */
#if OPENSSL_VERSION_NUMBER < 0x10002000L && !defined(OPENSSL_NO_SSL2)
#define CLIENT_HAVE_SSL2_METHOD 1
#elif OPENSSL_VERSION_NUMBER < 0x10100000L && OPENSSL_VERSION_NUMBER >= 0x10002000L &&             \
    !defined(OPENSSL_NO_SSL2_METHOD)
#define CLIENT_HAVE_SSL2_METHOD 1
#else
#define CLIENT_HAVE_SSL2_METHOD 0
#endif

#define EXIT_OK    0
#define EXIT_TLS   1
#define EXIT_SETUP 2

enum client_method {
    METHOD_ANY,
    METHOD_TLS1,
    METHOD_TLS1_1,
    METHOD_SSL2
};

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
 * method with a TLS 1.0 floor) and CLIENT_CIPHERS. Never loads a CA store.
 * On 1.0.x it first initialises the library, as every 1.0.x program must.
 * Returns NULL after printing the error queue. */
SSL_CTX *client_make_ctx(enum client_method method);

/* Nonzero when HOST is an IPv4 or IPv6 literal (no SNI is sent for those). */
int client_is_ip_literal(const char *host);

/* Fills buf with "TLSGUARD-PAYLOAD <progname>\n"; returns its length. */
int client_payload(char *buf, size_t size, const char *progname);

/* Prints "<call> returned <ret> SSL_get_error=<n>", "verify result: <n> (<text>)"
 * and the error queue. */
void client_report_ssl(const char *call, const SSL *ssl, int ret);

/* Prints "options 0x<hex>": the connection's SSL_get_options (the test driver
 * checks that no bit the program never set appeared). */
void client_print_options(SSL *ssl);

/* Sets a receive timeout in milliseconds on a blocking socket. */
void client_set_rcvtimeo(int fd, int ms);

/* Milliseconds on a monotonic clock. */
long long client_now_ms(void);

#endif
