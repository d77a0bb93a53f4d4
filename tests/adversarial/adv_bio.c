/*
 * adv_bio.c — road 1: SSL BIOs, whose methods run the handshake inside libssl.
 *   connect_puts   BIO_new_ssl_connect + BIO_puts, no BIO_do_handshake
 *   connect_write  the same with BIO_write
 *   connect_read   the same, BIO_read first (the server pushes), then BIO_write
 *   push_chain     BIO_new_ssl + BIO_push onto a socket BIO, then BIO_write
 *   do_handshake   BIO_new_ssl_connect + BIO_do_handshake (its result ignored)
 * connect_puts again, after the program replaced the callbacks a shim may rely on:
 *   ssl_info_cb    SSL_set_info_callback() on the BIO's SSL (it wins over the context's)
 *   ssl_verify_none SSL_set_verify(SSL_VERIFY_NONE, NULL) on the BIO's SSL
 *   ctx_callbacks  SSL_CTX_set_info_callback, SSL_CTX_set_verify(NONE, yes) and
 *                  SSL_CTX_set_msg_callback on the context, after SSL_CTX_new
 * The program never verifies anything and never looks at a result but the last.
 */
#include "adv.h"

#include <stdio.h>
#include <string.h>

static void quiet_info(const SSL *ssl, int where, int ret)
{
    (void)ssl;
    (void)where;
    (void)ret;
}

static int say_yes(int ok, X509_STORE_CTX *x)
{
    (void)ok;
    (void)x;
    return 1;
}

static void quiet_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                      SSL *ssl, void *arg)
{
    (void)write_p;
    (void)version;
    (void)content_type;
    (void)buf;
    (void)len;
    (void)ssl;
    (void)arg;
}

/* The callback roads: replace what the program can replace, then connect_puts. */
static void replace_callbacks(SSL_CTX *ctx, BIO *b, const char *road)
{
    SSL *ssl = NULL;
    BIO_get_ssl(b, &ssl);
    if (!strcmp(road, "ssl_info_cb"))
        SSL_set_info_callback(ssl, quiet_info);
    else if (!strcmp(road, "ssl_verify_none"))
        SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    else if (!strcmp(road, "ctx_callbacks")) {
        SSL_CTX_set_info_callback(ctx, quiet_info);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, say_yes);
        SSL_CTX_set_msg_callback(ctx, quiet_msg);
    }
}

static BIO *connect_chain(SSL_CTX *ctx, const struct adv *a)
{
    char target[64];
    SSL *ssl = NULL;
    BIO *b = BIO_new_ssl_connect(ctx);
    if (!b)
        return NULL;
    snprintf(target, sizeof target, "127.0.0.1:%s", a->port);
    BIO_set_conn_hostname(b, target);
    BIO_get_ssl(b, &ssl);
    if (ssl && strcmp(a->sni, "-"))
        SSL_set_tlsext_host_name(ssl, a->sni);
    return b;
}

static BIO *push_chain(SSL_CTX *ctx, const struct adv *a)
{
    SSL *ssl = NULL;
    int fd = adv_tcp(a->port);
    if (fd < 0)
        return NULL;
    BIO *sock = BIO_new_socket(fd, BIO_CLOSE);
    BIO *sslb = BIO_new_ssl(ctx, 1);
    BIO_get_ssl(sslb, &ssl);
    if (ssl && strcmp(a->sni, "-"))
        SSL_set_tlsext_host_name(ssl, a->sni);
    return BIO_push(sslb, sock);
}

static int write_marker(BIO *b, const struct adv *a, int use_puts)
{
    int n = (int)strlen(a->marker);
    int r = use_puts ? BIO_puts(b, a->marker) : BIO_write(b, a->marker, n);
    if (r != n) {
        adv_report_bio(use_puts ? "BIO_puts" : "BIO_write", r);
        return ADV_TLS;
    }
    (void)BIO_flush(b);
    printf("marker written\n");
    return ADV_OK;
}

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_bio");
    SSL_CTX *ctx = adv_ctx();
    if (!ctx)
        return ADV_SETUP;
    const char *road = a.road;
    BIO *b = !strcmp(road, "push_chain") ? push_chain(ctx, &a) : connect_chain(ctx, &a);
    if (!b)
        return ADV_SETUP;
    if (!strcmp(road, "connect_puts"))
        return write_marker(b, &a, 1);
    if (!strcmp(road, "ssl_info_cb") || !strcmp(road, "ssl_verify_none") ||
        !strcmp(road, "ctx_callbacks")) {
        replace_callbacks(ctx, b, road);
        return write_marker(b, &a, 1);
    }
    if (!strcmp(road, "connect_write") || !strcmp(road, "push_chain"))
        return write_marker(b, &a, 0);
    if (!strcmp(road, "connect_read")) {
        char buf[64];
        int r = BIO_read(b, buf, sizeof buf);
        printf("BIO_read returned %d\n", r);
        if (r <= 0)
            ERR_print_errors_fp(stdout);
        return write_marker(b, &a, 0);
    }
    if (!strcmp(road, "do_handshake")) {
        long r = BIO_do_handshake(b);
        printf("BIO_do_handshake returned %ld\n", r);
        if (r <= 0)
            ERR_print_errors_fp(stdout);
        return write_marker(b, &a, 0);
    }
    fprintf(stderr, "unknown road %s\n", road);
    return ADV_SETUP;
}
