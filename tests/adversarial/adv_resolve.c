/*
 * adv_resolve.c — road 7: two names resolved to one address. The program
 * resolves victim.test, then attacker.test (same address), and connects to the
 * first for victim.test with no SNI and no verification of its own. The name
 * judged must be the one this socket was resolved for, not the newest.
 * Runs where both names resolve to 127.0.0.1 (the runner gives it a hosts file).
 *   ambiguous   as above
 */
#include "adv.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct addrinfo *resolve(const char *name, const char *port)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int e = getaddrinfo(name, port, &hints, &res);
    if (e) {
        printf("getaddrinfo %s: %s\n", name, gai_strerror(e));
        return NULL;
    }
    return res;
}

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_resolve");
    struct addrinfo *victim = resolve(a.sni, a.port);
    struct addrinfo *attacker = resolve(a.first_sni, a.port);
    if (!victim || !attacker)
        return ADV_SETUP;
    int fd = socket(victim->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, victim->ai_addr, victim->ai_addrlen) != 0) {
        perror("connect");
        return ADV_SETUP;
    }
    SSL_CTX *ctx = adv_ctx();
    SSL *ssl = adv_ssl(ctx, fd, "-");
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    return adv_write_marker(ssl, &a);
}
