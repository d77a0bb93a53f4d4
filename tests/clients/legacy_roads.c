/*
 * legacy_roads — one legacy client, many roads around TLS safety. Each
 * --road picks one API a real program has used to get TLS < 1.2, weak suites
 * or no verification; the shim must close every one of them.
 *
 *   legacy_roads HOST PORT --road ROAD [--ca FILE] [--connections N] [--resume]
 *                [--resume-as NAME]
 *
 * Roads:
 *   ctx_max_proto        SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION)
 *   ssl_max_proto        SSL_set_max_proto_version(ssl, TLS1_VERSION)
 *   clear_options        SSL_CTX_clear_options / SSL_clear_options of OP_NO_TLSv1*
 *   no_high_versions     SSL_set_options(ssl, OP_NO_TLSv1_2 | OP_NO_TLSv1_3)
 *   set_ssl_method       SSL_set_ssl_method(ssl, TLSv1_client_method())
 *   ctx_set_ssl_version  SSL_CTX_set_ssl_version(ctx, TLSv1_client_method())
 *   cert_verify_cb       SSL_CTX_set_cert_verify_callback(ctx, always-1) + VERIFY_PEER
 *   weak_ciphers         SSL_CTX_set_cipher_list(ctx, anonymous/3DES/NULL/RC4 suites)
 *   private_ca           SSL_CTX_load_verify_locations(ctx, --ca FILE) + VERIFY_NONE
 *   plain                VERIFY_NONE and nothing else (for --connections counts)
 *
 * Built against OpenSSL 1.0.x, the two *_max_proto roads do not exist (the
 * ctrls are 1.1.0+: "unknown road", exit 2), no_high_versions sets only
 * OP_NO_TLSv1_2 (0x20000000 is another option there), and no cipher string
 * carries @SECLEVEL.
 *
 * Every road keeps VERIFY_NONE unless said otherwise, sends SNI, and accepts
 * TLS 1.0 ("DEFAULT:@SECLEVEL=0", min TLS 1.0) so that, without the shim, it
 * really connects to a legacy peer. --connections N makes N connections, each
 * with a new SSL_CTX; with --resume they share one SSL_CTX and each offers the
 * previous connection's session (printing "session reused: yes|no");
 * --resume-as NAME sends NAME as SNI on every connection after the first (a
 * session taken to another host); the first only fetches the session and
 * sends no payload. Exit
 * codes as in common.h (0 only if every payload was written).
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#define PROGNAME "legacy_roads"

static int always_accept(X509_STORE_CTX *xs, void *arg)
{
    (void)xs;
    (void)arg;
    return 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: %s HOST PORT --road ROAD [--ca FILE] [--connections N] [--resume] "
            "[--resume-as NAME]\n",
            PROGNAME);
    exit(EXIT_SETUP);
}

static const long old_versions = SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;

/* The roads this build has (the *_max_proto ctrls are 1.1.0+). */
static const char *const roads[] = {
#if CLIENT_HAVE_PROTO_CTRL
    "ctx_max_proto",  "ssl_max_proto",
#endif
    "clear_options",  "no_high_versions", "set_ssl_method", "ctx_set_ssl_version",
    "cert_verify_cb", "weak_ciphers",     "private_ca",     "plain",
};

static int road_known(const char *road)
{
    for (size_t i = 0; i < sizeof roads / sizeof *roads; i++)
        if (!strcmp(road, roads[i]))
            return 1;
    return 0;
}

/* The context, as the road configures it. NULL on a setup failure. */
static SSL_CTX *road_ctx(const char *road, const char *ca)
{
    SSL_CTX *ctx = client_make_ctx(METHOD_ANY);
    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
#if CLIENT_HAVE_PROTO_CTRL
    if (!strcmp(road, "ctx_max_proto"))
        SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION);
#endif
    if (!strcmp(road, "clear_options")) {
        SSL_CTX_clear_options(ctx, old_versions);
    } else if (!strcmp(road, "ctx_set_ssl_version")) {
        if (SSL_CTX_set_ssl_version(ctx, TLSv1_client_method()) != 1)
            return NULL;
    } else if (!strcmp(road, "cert_verify_cb")) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_cert_verify_callback(ctx, always_accept, NULL);
    } else if (!strcmp(road, "weak_ciphers")) {
#if CLIENT_HAVE_PROTO_CTRL
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); /* no anonymous suites in 1.3 */
#endif
        if (SSL_CTX_set_cipher_list(ctx, "aNULL:eNULL:RC4:3DES:DES" CLIENT_SECLEVEL0) != 1)
            return NULL;
    } else if (!strcmp(road, "private_ca")) {
        if (ca == NULL || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
            fprintf(stderr, "%s: cannot load --ca\n", PROGNAME);
            return NULL;
        }
    }
    return ctx;
}

/* The connection-level part of the road. */
static int road_ssl(const char *road, SSL *ssl)
{
#if CLIENT_HAVE_PROTO_CTRL
    if (!strcmp(road, "ssl_max_proto"))
        return SSL_set_max_proto_version(ssl, TLS1_VERSION) == 1;
#endif
    if (!strcmp(road, "clear_options")) {
        SSL_clear_options(ssl, old_versions);
        return 1;
    }
    if (!strcmp(road, "no_high_versions")) {
#ifdef SSL_OP_NO_TLSv1_3
        SSL_set_options(ssl, SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
#else
        SSL_set_options(ssl, SSL_OP_NO_TLSv1_2);
#endif
        return 1;
    }
    if (!strcmp(road, "set_ssl_method"))
        return SSL_set_ssl_method(ssl, TLSv1_client_method()) == 1;
    return 1;
}

/* One connection on `ctx`; offers *session when set, and leaves the new
 * session there (for --resume). */
static int one_connection(const char *host, const char *port, const char *sni, int send,
                          const char *road, SSL_CTX *ctx, SSL_SESSION **session)
{
    char payload[128], buf[256];
    int n = send ? client_payload(payload, sizeof payload, PROGNAME) : 0;
    int fd = client_tcp_connect(host, port);
    if (fd < 0)
        return EXIT_SETUP;
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (session != NULL && *session != NULL)
        SSL_set_session(ssl, *session);
    if (!client_is_ip_literal(sni))
        SSL_set_tlsext_host_name(ssl, sni);
    int rc = EXIT_OK;
    if (!road_ssl(road, ssl)) {
        rc = EXIT_SETUP;
    } else {
        int ret = SSL_connect(ssl);
        printf("SSL_connect returned %d\n", ret);
        client_print_options(ssl);
        if (ret != 1) {
            client_report_ssl("SSL_connect", ssl, ret);
            rc = EXIT_TLS;
        } else {
            printf("protocol %s cipher %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
            if (session != NULL)
                printf("session reused: %s\n", SSL_session_reused(ssl) ? "yes" : "no");
            int w = n ? SSL_write(ssl, payload, n) : 0;
            if (w != n) {
                client_report_ssl("SSL_write", ssl, w);
                rc = EXIT_TLS;
            } else {
                /* Reading also takes in TLS 1.3 session tickets. */
                client_set_rcvtimeo(fd, 100);
                (void)SSL_read(ssl, buf, sizeof buf);
                ERR_clear_error();
                if (session != NULL) {
                    SSL_SESSION_free(*session);
                    *session = SSL_get1_session(ssl);
                }
                /* Without close_notify OpenSSL marks the session unresumable. */
                SSL_shutdown(ssl);
            }
        }
    }
    SSL_free(ssl);
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    const char *road = NULL, *ca = NULL, *resume_as = NULL;
    int connections = 1, resume = 0, rc = EXIT_OK;
    SSL_SESSION *session = NULL;
    SSL_CTX *shared = NULL;
    if (argc < 3)
        usage();
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--road") && i + 1 < argc)
            road = argv[++i];
        else if (!strcmp(argv[i], "--ca") && i + 1 < argc)
            ca = argv[++i];
        else if (!strcmp(argv[i], "--connections") && i + 1 < argc)
            connections = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--resume"))
            resume = 1;
        else if (!strcmp(argv[i], "--resume-as") && i + 1 < argc)
            resume = 1, resume_as = argv[++i];
        else
            usage();
    }
    if (road == NULL || connections < 1)
        usage();
    if (!road_known(road)) {
        fprintf(stderr, "%s: unknown road '%s' (not in %s)\n", PROGNAME, road,
                OPENSSL_VERSION_TEXT);
        return EXIT_SETUP;
    }
    for (int i = 0; i < connections; i++) {
        SSL_CTX *ctx = shared != NULL ? shared : road_ctx(road, ca);
        if (ctx == NULL) {
            ERR_print_errors_fp(stdout);
            return EXIT_SETUP;
        }
        if (resume) {
            shared = ctx;
            SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
        }
        const char *sni = i > 0 && resume_as != NULL ? resume_as : argv[1];
        int send = i > 0 || resume_as == NULL;
        int r = one_connection(argv[1], argv[2], sni, send, road, ctx, resume ? &session : NULL);
        if (r != EXIT_OK)
            rc = r;
        if (!resume)
            SSL_CTX_free(ctx);
    }
    SSL_SESSION_free(session);
    SSL_CTX_free(shared);
    return rc;
}
