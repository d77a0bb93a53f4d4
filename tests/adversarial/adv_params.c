/*
 * adv_params.c — road 3: a program that verifies (its CA file via --ca,
 * SSL_VERIFY_PEER, its host name set) but weakens the verify parameters.
 * Each road pairs with a server certificate only that weakening accepts:
 *   no_check_time    X509_V_FLAG_NO_CHECK_TIME            (expired certificate)
 *   set_time         X509_VERIFY_PARAM_set_time(2020-07)  (expired certificate)
 *   ignore_critical  X509_V_FLAG_IGNORE_CRITICAL          (unknown critical extension)
 *   purpose_any      X509_PURPOSE_ANY                     (clientAuth-only certificate)
 *   proxy            X509_V_FLAG_ALLOW_PROXY_CERTS        (proxy cert from attacker.test's leaf)
 *   proxy_env        OPENSSL_ALLOW_PROXY_CERTS=1 in the environment (1.0.x reads it)
 *   multi_label      X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS (*.example.test for a deeper name)
 *   always_subject   X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT  (CN=victim.test, SAN for another name)
 *   store_verify_cb  a verify callback on the X509_STORE (not the SSL) that says yes
 *                    (certificate from an untrusted CA)
 *   dane_ee          DANE-EE(3) SPKI(1) Full(0) for --peer-cert: OpenSSL then checks
 *                    neither chain nor name (certificate from an untrusted CA)
 */
#include "adv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

static int say_yes(int ok, X509_STORE_CTX *x)
{
    (void)ok;
    (void)x;
    return 1;
}

#if OPENSSL_VERSION_NUMBER >= 0x10100000L
/* A TLSA record "3 1 0 <SubjectPublicKeyInfo>" for the certificate in file. */
static void add_dane_ee(SSL *ssl, const char *name, const char *file)
{
    FILE *f = fopen(file ? file : "", "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int len = x ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : -1;
    if (f)
        fclose(f);
    if (len <= 0 || SSL_dane_enable(ssl, name) <= 0 ||
        SSL_dane_tlsa_add(ssl, 3, 1, 0, der, (size_t)len) <= 0) {
        printf("DANE setup failed\n");
        ERR_print_errors_fp(stdout);
        exit(ADV_SETUP);
    }
}
#endif

#if ADV_HAVE_PARAM_HOST
static void set_hostflags(SSL *ssl, unsigned int flags)
{
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), flags);
}
#endif

/* The SSL's own parameters (SSL_get0_param is new in 1.0.2; before, a copy
 * made here is merged in with SSL_set1_param by apply()). */
static X509_VERIFY_PARAM *params_of(SSL *ssl)
{
#if ADV_HAVE_PARAM_HOST
    return SSL_get0_param(ssl);
#else
    (void)ssl;
    return X509_VERIFY_PARAM_new();
#endif
}

static void apply(SSL *ssl, X509_VERIFY_PARAM *p)
{
#if ADV_HAVE_PARAM_HOST
    (void)ssl;
    (void)p;
#else
    SSL_set1_param(ssl, p);
    X509_VERIFY_PARAM_free(p);
#endif
}

/* Applies the road's weakening; skips when this OpenSSL lacks it. */
static void weaken(SSL *ssl, const struct adv *a)
{
    const char *road = a->road;
    X509_VERIFY_PARAM *p = params_of(ssl);
    if (!strcmp(road, "no_check_time")) {
#ifdef X509_V_FLAG_NO_CHECK_TIME
        X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_NO_CHECK_TIME);
#else
        adv_skip("X509_V_FLAG_NO_CHECK_TIME is new in OpenSSL 1.1.0");
#endif
    } else if (!strcmp(road, "set_time")) {
        X509_VERIFY_PARAM_set_time(p, (time_t)1593561600); /* 2020-07-01 */
    } else if (!strcmp(road, "ignore_critical")) {
        X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_IGNORE_CRITICAL);
    } else if (!strcmp(road, "purpose_any")) {
        SSL_set_purpose(ssl, X509_PURPOSE_ANY);
    } else if (!strcmp(road, "proxy")) {
        X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_ALLOW_PROXY_CERTS);
    } else if (!strcmp(road, "proxy_env")) {
#if OPENSSL_VERSION_NUMBER >= 0x10100000L
        adv_skip("OPENSSL_ALLOW_PROXY_CERTS is read by OpenSSL 1.0.x only");
#endif
    } else if (!strcmp(road, "multi_label")) {
#ifdef X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS
        set_hostflags(ssl, X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS);
#else
        adv_skip("host flags need OpenSSL 1.0.2");
#endif
    } else if (!strcmp(road, "always_subject")) {
#ifdef X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT
        set_hostflags(ssl, X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT);
#else
        adv_skip("host flags need OpenSSL 1.0.2");
#endif
    } else if (!strcmp(road, "store_verify_cb")) {
        X509_STORE_set_verify_cb(SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), say_yes);
    } else if (!strcmp(road, "dane_ee")) {
#if OPENSSL_VERSION_NUMBER >= 0x10100000L
        add_dane_ee(ssl, a->sni, a->peer_cert);
#else
        adv_skip("DANE is new in OpenSSL 1.1.0");
#endif
    } else {
        fprintf(stderr, "unknown road %s\n", road);
        exit(ADV_SETUP);
    }
    apply(ssl, p);
}

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_params");
    SSL_CTX *ctx = adv_ctx();
    if (!ctx || !a.ca || SSL_CTX_load_verify_locations(ctx, a.ca, NULL) != 1)
        return ADV_SETUP;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
#if OPENSSL_VERSION_NUMBER >= 0x10100000L
    if (!strcmp(a.road, "dane_ee"))
        SSL_CTX_dane_enable(ctx); /* before SSL_new */
#endif
    int fd = adv_tcp(a.port);
    if (fd < 0)
        return ADV_SETUP;
    SSL *ssl = adv_ssl(ctx, fd, a.sni);
#if ADV_HAVE_PARAM_HOST
    if (adv_set_host(ssl, a.sni) != 1) /* 1.0.1 programs cannot check a name */
        return ADV_SETUP;
#endif
    weaken(ssl, &a);
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    printf("verify result %ld\n", SSL_get_verify_result(ssl));
    return adv_write_marker(ssl, &a);
}
