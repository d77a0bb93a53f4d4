/*
 * adv_resume.c — roads 2 and 5: a session got for one name (--first-sni,
 * attacker.test, whose certificate it really is) offered for another
 * (--sni, victim.test). The server resumes whatever SNI it is sent.
 *   clear                one SSL reused with SSL_clear() and a new SNI
 *   set_session          a new SSL given the old session (an address-keyed cache)
 *   verified_set_session the same in a program that verifies (CA file, VERIFY_PEER,
 *                        SSL_set1_host): OpenSSL skips the name on resumption
 *   info_cb_write        set_session, the marker written by the program's own info
 *                        callback at SSL_CB_HANDSHAKE_DONE
 *   bio_after            set_session, SSL_connect's result ignored, the marker
 *                        written through a BIO_f_ssl wrapped around the SSL after it
 *   d2i_session          set_session of a copy made with i2d/d2i_SSL_SESSION (a session
 *                        cache on disk): an object the shim never saw on a handshake
 *   forged_session       a new SSL_SESSION built from the parts of that one (id, master
 *                        key, cipher, version: SSL_SESSION_new + set1_*, 1.1.1): no peer
 *                        certificate in it at all (TLS 1.2, id-based resumption)
 * Prints "session reused: yes|no" for the second connection.
 */
#include "adv.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct adv *cur;
static int armed;

/* The program's own info callback: a legacy "send the greeting when ready". */
static void info_cb(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if ((where & SSL_CB_HANDSHAKE_DONE) && armed) {
        armed = 0;
        int r = SSL_write((SSL *)ssl, cur->marker, (int)strlen(cur->marker));
        printf("info callback SSL_write returned %d\n", r);
        if (r > 0)
            printf("marker written\n");
        else
            ERR_print_errors_fp(stdout);
    }
}

static SSL_CTX *make_ctx(const struct adv *a)
{
    SSL_CTX *ctx = adv_ctx();
    if (ctx && !strcmp(a->road, "verified_set_session")) {
        SSL_CTX_load_verify_locations(ctx, a->ca, NULL);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (ctx && !strcmp(a->road, "info_cb_write"))
        SSL_CTX_set_info_callback(ctx, info_cb);
    return ctx;
}

/* The first, legitimate connection: attacker.test with attacker.test's certificate. */
static SSL *first(SSL_CTX *ctx, const struct adv *a, int *fd)
{
    *fd = adv_tcp(a->port);
    if (*fd < 0)
        return NULL;
    SSL *ssl = adv_ssl(ctx, *fd, a->first_sni);
    if (!strcmp(a->road, "verified_set_session"))
        adv_set_host(ssl, a->first_sni);
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("first SSL_connect", ssl, r);
        return NULL;
    }
    SSL_write(ssl, "ADV-FIRST\n", 10);
    /* A full close: reading the server's close_notify also reads TLS 1.3 tickets. */
    if (SSL_shutdown(ssl) == 0)
        SSL_shutdown(ssl);
    return ssl;
}

static int second(SSL *ssl, const struct adv *a)
{
    if (!strcmp(a->road, "verified_set_session"))
        adv_set_host(ssl, a->sni);
    armed = 1;
    int r = SSL_connect(ssl);
    printf("session reused: %s\n", SSL_session_reused(ssl) ? "yes" : "no");
    if (!strcmp(a->road, "info_cb_write")) {
        if (r != 1)
            adv_report("SSL_connect", ssl, r);
        return ADV_OK; /* the callback wrote or not: the server knows */
    }
    if (!strcmp(a->road, "bio_after")) {
        BIO *b = BIO_new(BIO_f_ssl());
        BIO_set_ssl(b, ssl, BIO_NOCLOSE);
        int w = BIO_write(b, a->marker, (int)strlen(a->marker));
        if (w <= 0) {
            adv_report_bio("BIO_write", w);
            return ADV_TLS;
        }
        printf("marker written\n");
        return ADV_OK;
    }
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    return adv_write_marker(ssl, a);
}

/* The session through its DER form, as a cache on disk keeps it. */
static SSL_SESSION *copy_session(SSL_SESSION *sess)
{
    unsigned char der[8192], *w = der;
    const unsigned char *r = der;
    int len = i2d_SSL_SESSION(sess, NULL);
    if (len <= 0 || len > (int)sizeof der)
        return sess;
    i2d_SSL_SESSION(sess, &w);
    SSL_SESSION_free(sess);
    return d2i_SSL_SESSION(NULL, &r, len);
}

/* A session object put together by hand from another one's parts. */
static SSL_SESSION *forge_session(SSL_SESSION *sess)
{
#if OPENSSL_VERSION_NUMBER >= 0x10101000L
    unsigned char key[SSL_MAX_MASTER_KEY_LENGTH];
    unsigned int idlen;
    const unsigned char *id = SSL_SESSION_get_id(sess, &idlen);
    size_t keylen = SSL_SESSION_get_master_key(sess, key, sizeof key);
    SSL_SESSION *f = SSL_SESSION_new();
    if (!f || !SSL_SESSION_set1_id(f, id, idlen) || !SSL_SESSION_set1_master_key(f, key, keylen) ||
        !SSL_SESSION_set_cipher(f, SSL_SESSION_get0_cipher(sess)) ||
        !SSL_SESSION_set_protocol_version(f, SSL_SESSION_get_protocol_version(sess)))
        return sess;
    SSL_SESSION_set_time(f, SSL_SESSION_get_time(sess));
    SSL_SESSION_set_timeout(f, 300);
    SSL_SESSION_free(sess);
    return f;
#else
    (void)sess;
    adv_skip("SSL_SESSION_set1_master_key and friends are new in OpenSSL 1.1.1");
    return NULL;
#endif
}

int main(int argc, char **argv)
{
    struct adv a;
    int fd;
    adv_init(&a, argc, argv, "adv_resume");
    cur = &a;
    SSL_CTX *ctx = make_ctx(&a);
    if (!ctx)
        return ADV_SETUP;
    SSL *ssl = first(ctx, &a, &fd);
    if (!ssl)
        return ADV_TLS;
    close(fd);
    fd = adv_tcp(a.port);
    if (fd < 0)
        return ADV_SETUP;
    if (!strcmp(a.road, "clear")) {
        SSL_clear(ssl);
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, a.sni);
        return second(ssl, &a);
    }
    SSL_SESSION *sess = SSL_get1_session(ssl);
    SSL_free(ssl);
    if (!strcmp(a.road, "d2i_session"))
        sess = copy_session(sess);
    if (!strcmp(a.road, "forged_session"))
        sess = forge_session(sess);
    SSL *next = adv_ssl(ctx, fd, a.sni);
    SSL_set_session(next, sess);
    return second(next, &a);
}
