/*
 * adv.h — what the adversarial clients share. Each client is a careless or
 * hostile legacy program: `prog ROAD PORT [options]`, connects to the
 * adversarial server on 127.0.0.1:PORT and tries to deliver the marker
 * "ADV-MARKER <prog>/<road>\n". Exit codes:
 *   0   the marker was handed to libssl and libssl said it was written,
 *   1   TLS failed (the error queue is on stdout: it must name tlsguard),
 *   2   setup error,
 *   77  this road cannot exist on this OpenSSL (one "SKIP: why" line).
 * Builds warning-free against OpenSSL 1.0.1e, 1.0.2u, 1.1.1 and 3.0.
 */
#ifndef TLSGUARD_ADV_H
#define TLSGUARD_ADV_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define ADV_OK    0
#define ADV_TLS   1
#define ADV_SETUP 2
#define ADV_SKIP  77

/* SSL_set1_host came with 1.1.0, X509_VERIFY_PARAM_set1_host with 1.0.2. */
#define ADV_HAVE_SET1_HOST  (OPENSSL_VERSION_NUMBER >= 0x10100000L)
#define ADV_HAVE_PARAM_HOST (OPENSSL_VERSION_NUMBER >= 0x10002000L)

struct adv {
    const char *prog, *road, *port;
    const char *ca;        /* --ca FILE: an anchor file some roads load */
    const char *dir;       /* --dir DIR: a hashed CA directory */
    const char *sni;       /* --sni NAME (default victim.test; "-" none) */
    const char *first_sni; /* --first-sni NAME: the name of a first connection */
    const char *plugin;    /* --plugin SO */
    const char *peer_cert; /* --peer-cert FILE: the server's certificate (DANE) */
    char marker[128];
};

/* Parses argv into a; exits 2 on a bad command line. Inits OpenSSL. */
void adv_init(struct adv *a, int argc, char **argv, const char *prog);

/* Exits 77 after printing "SKIP: <why>". */
void adv_skip(const char *why);

/* A blocking TCP connection to 127.0.0.1:port, or -1 after printing why. */
int adv_tcp(const char *port);

/* SSLv23 (TLS) client method, no trust store, SSL_VERIFY_NONE: careless. */
SSL_CTX *adv_ctx(void);

/* SSL_new + fd + SNI (unless "-"); NULL on failure. */
SSL *adv_ssl(SSL_CTX *ctx, int fd, const char *sni);

/* Sets the name the program checks (SSL_set1_host, else the 1.0.2 param call). */
int adv_set_host(SSL *ssl, const char *name);

/* Writes the marker with SSL_write; reports and returns ADV_TLS on failure. */
int adv_write_marker(SSL *ssl, const struct adv *a);

/* Prints "<call> returned <ret> SSL_get_error=<n>" and the error queue. */
void adv_report(const char *call, const SSL *ssl, int ret);

/* Prints the error queue (for BIO roads where no SSL is at hand). */
void adv_report_bio(const char *call, long ret);

#endif
