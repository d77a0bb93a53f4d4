/*
 * adv_reneg.c — road 9: the server renegotiates (TLS 1.2) and presents a
 * second, bad certificate; the client runs that handshake inside its read.
 *   ssl_read   SSL_connect, then SSL_read (renegotiation inside), then the marker
 *   bio_read   the same reads through a BIO_f_ssl wrapped around the SSL
 * The server writes "ADV-AFTER-RENEG\n" once the renegotiation completed.
 */
#include "adv.h"

#include <stdio.h>
#include <string.h>

static int read_some(SSL *ssl, BIO *b)
{
    char buf[64];
    int r, tries = 0;
    /* Before 1.1.1 (no SSL_MODE_AUTO_RETRY) a read that ran a handshake says
     * WANT_READ even on a blocking socket: a legacy program simply reads again. */
    do
        r = b ? BIO_read(b, buf, sizeof buf - 1) : SSL_read(ssl, buf, sizeof buf - 1);
    while (r <= 0 && ++tries < 5 &&
           (b ? BIO_should_retry(b) : SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ));
    if (r <= 0) {
        adv_report(b ? "BIO_read" : "SSL_read", ssl, r);
        return 0;
    }
    buf[r] = 0;
    printf("read: %s", buf);
    X509 *peer = SSL_get_peer_certificate(ssl); /* the renegotiated one */
    if (peer) {
        X509_NAME_oneline(X509_get_subject_name(peer), buf, sizeof buf);
        printf("peer now: %s\n", buf);
        X509_free(peer);
    }
    return 1;
}

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_reneg");
    SSL_CTX *ctx = adv_ctx();
    int fd = ctx ? adv_tcp(a.port) : -1;
    if (fd < 0)
        return ADV_SETUP;
    SSL *ssl = adv_ssl(ctx, fd, a.sni);
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    BIO *b = NULL;
    if (!strcmp(a.road, "bio_read")) {
        b = BIO_new(BIO_f_ssl());
        BIO_set_ssl(b, ssl, BIO_NOCLOSE);
    }
    if (!read_some(ssl, b))
        return ADV_TLS;
    if (!b)
        return adv_write_marker(ssl, &a);
    int w = BIO_write(b, a.marker, (int)strlen(a.marker));
    if (w <= 0) {
        adv_report("BIO_write", ssl, w);
        return ADV_TLS;
    }
    printf("marker written\n");
    return ADV_OK;
}
