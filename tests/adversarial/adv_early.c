/*
 * adv_early.c — TLS 1.3 early data (0-RTT): application bytes that leave in
 * the client's first flight, before any certificate or verdict. A session
 * got for --first-sni (attacker.test, its own certificate) is offered for
 * victim.test, which the program names only with SSL_set1_host (OpenSSL
 * itself refuses early data when the SNI differs from the session's, not
 * when there is none).
 *   no_sni     SSL_set_session + SSL_write_early_data(marker), then SSL_connect
 * A session good for this very name may carry early data (the good case:
 * --first-sni victim.test against the victim's server); where early data is
 * refused, the marker is written after the handshake instead.
 */
#include "adv.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef TLS1_3_VERSION
static SSL_SESSION *first(SSL_CTX *ctx, const struct adv *a)
{
    int fd = adv_tcp(a->port);
    if (fd < 0)
        return NULL;
    SSL *ssl = adv_ssl(ctx, fd, a->first_sni);
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("first SSL_connect", ssl, r);
        return NULL;
    }
    SSL_write(ssl, "ADV-FIRST\n", 10);
    if (SSL_shutdown(ssl) == 0)
        SSL_shutdown(ssl); /* reads the tickets */
    SSL_SESSION *sess = SSL_get1_session(ssl);
    SSL_free(ssl);
    close(fd);
    printf("session max early data: %u\n", (unsigned)SSL_SESSION_get_max_early_data(sess));
    return sess;
}

static int second(SSL_CTX *ctx, SSL_SESSION *sess, const struct adv *a)
{
    size_t written = 0;
    int fd = adv_tcp(a->port);
    if (fd < 0)
        return ADV_SETUP;
    SSL *ssl = adv_ssl(ctx, fd, "-");
    adv_set_host(ssl, a->sni);
    SSL_set_session(ssl, sess);
    SSL_set_connect_state(ssl);
    int r = SSL_write_early_data(ssl, a->marker, strlen(a->marker), &written);
    printf("SSL_write_early_data returned %d (%zu bytes)\n", r, written);
    if (r != 1)
        ERR_print_errors_fp(stdout);
    r = SSL_connect(ssl);
    printf("early data status %d, session reused: %s\n", SSL_get_early_data_status(ssl),
           SSL_session_reused(ssl) ? "yes" : "no");
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    /* No early data allowed: a careful-enough program sends it now instead. */
    return written ? ADV_OK : adv_write_marker(ssl, a);
}
#endif

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_early");
#ifdef TLS1_3_VERSION
    SSL_CTX *ctx = adv_ctx();
    SSL_SESSION *sess = ctx ? first(ctx, &a) : NULL;
    if (!sess)
        return ADV_TLS;
    return second(ctx, sess, &a);
#else
    adv_skip("TLS 1.3 early data is new in OpenSSL 1.1.1");
    return ADV_SKIP;
#endif
}
