/*
 * adv_pin.c — road 6: the name comes only from SSL_set1_host (no SNI, an IP
 * connection): the policy's host block for that name, and its pins, apply.
 *   host_only    VERIFY_NONE, SSL_set1_host(--sni) with no SNI sent
 *   sni_differs  the same, but the SNI sent is --first-sni (attacker.test): the
 *                name checked must still be SSL_set1_host's (SPEC.md's order)
 */
#include "adv.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_pin");
    SSL_CTX *ctx = adv_ctx();
    int fd = ctx ? adv_tcp(a.port) : -1;
    if (fd < 0)
        return ADV_SETUP;
    SSL *ssl = adv_ssl(ctx, fd, strcmp(a.road, "sni_differs") ? "-" : a.first_sni);
    if (adv_set_host(ssl, a.sni) != 1)
        return ADV_SETUP;
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    return adv_write_marker(ssl, &a);
}
