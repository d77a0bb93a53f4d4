/* adv_common.c — see adv.h. */
#include "adv.h"
#include "../lib/loopback.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s ROAD PORT [--ca F] [--dir D] [--sni N|-] [--first-sni N] [--plugin SO] "
            "[--peer-cert F]\n",
            prog);
    exit(ADV_SETUP);
}

static const char **option_slot(struct adv *a, const char *name)
{
    if (!strcmp(name, "--ca"))
        return &a->ca;
    if (!strcmp(name, "--dir"))
        return &a->dir;
    if (!strcmp(name, "--sni"))
        return &a->sni;
    if (!strcmp(name, "--first-sni"))
        return &a->first_sni;
    if (!strcmp(name, "--plugin"))
        return &a->plugin;
    if (!strcmp(name, "--peer-cert"))
        return &a->peer_cert;
    return NULL;
}

void adv_init(struct adv *a, int argc, char **argv, const char *prog)
{
    memset(a, 0, sizeof *a);
    a->prog = prog;
    a->sni = "victim.test";
    a->first_sni = "attacker.test";
    if (argc < 3)
        usage(prog);
    a->road = argv[1];
    a->port = argv[2];
    for (int i = 3; i < argc; i += 2) {
        const char **slot = option_slot(a, argv[i]);
        if (!slot || i + 1 >= argc)
            usage(prog);
        *slot = argv[i + 1];
    }
    snprintf(a->marker, sizeof a->marker, "ADV-MARKER %s/%s\n", prog, a->road);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IONBF, 0);
    SSL_library_init();
    SSL_load_error_strings();
}

void adv_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    exit(ADV_SKIP);
}

int adv_tcp(const char *port)
{
    return tg_loopback_connect(atoi(port));
}

SSL_CTX *adv_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(SSLv23_client_method());
    if (!ctx) {
        adv_report_bio("SSL_CTX_new", 0);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

SSL *adv_ssl(SSL_CTX *ctx, int fd, const char *sni)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return NULL;
    SSL_set_fd(ssl, fd);
    if (sni && strcmp(sni, "-"))
        SSL_set_tlsext_host_name(ssl, sni);
    return ssl;
}

int adv_set_host(SSL *ssl, const char *name)
{
#if ADV_HAVE_SET1_HOST
    return SSL_set1_host(ssl, name);
#elif ADV_HAVE_PARAM_HOST
    return X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), name, 0);
#else
    (void)ssl;
    (void)name;
    adv_skip("no host-name API before OpenSSL 1.0.2");
    return 0;
#endif
}

int adv_write_marker(SSL *ssl, const struct adv *a)
{
    int n = (int)strlen(a->marker);
    int r = SSL_write(ssl, a->marker, n);
    if (r != n) {
        adv_report("SSL_write", ssl, r);
        return ADV_TLS;
    }
    printf("marker written\n");
    return ADV_OK;
}

void adv_report(const char *call, const SSL *ssl, int ret)
{
    printf("%s returned %d SSL_get_error=%d\n", call, ret, SSL_get_error(ssl, ret));
    ERR_print_errors_fp(stdout);
}

void adv_report_bio(const char *call, long ret)
{
    printf("%s returned %ld\n", call, ret);
    ERR_print_errors_fp(stdout);
}
