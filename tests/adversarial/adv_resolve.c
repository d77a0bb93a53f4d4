/*
 * adv_resolve.c — road 7: two names resolved to one address. The program
 * resolves victim.test, then attacker.test (same address), and connects to the
 * first for victim.test with no SNI and no verification of its own. The name
 * judged must be the one this socket was resolved for, not the newest.
 * Runs where both names resolve to 127.0.0.1 (the runner gives it a hosts file).
 *   ambiguous                as above
 *   ambiguous_gethostbyname  the same names through gethostbyname(), the older API
 */
#include "adv.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
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

/* gethostbyname: the victim's address is copied before the second lookup reuses the buffer. */
static int connect_old_api(const struct adv *a)
{
    struct sockaddr_in sa;
    struct hostent *h = gethostbyname(a->sni);
    if (!h || h->h_addrtype != AF_INET)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(a->port));
    memcpy(&sa.sin_addr, h->h_addr_list[0], sizeof sa.sin_addr);
    if (!gethostbyname(a->first_sni))
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int connect_new_api(const struct adv *a)
{
    struct addrinfo *victim = resolve(a->sni, a->port);
    struct addrinfo *attacker = resolve(a->first_sni, a->port);
    if (!victim || !attacker)
        return -1;
    int fd = socket(victim->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, victim->ai_addr, victim->ai_addrlen) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_resolve");
    int fd = strcmp(a.road, "ambiguous_gethostbyname") ? connect_new_api(&a) : connect_old_api(&a);
    if (fd < 0) {
        perror("resolve/connect");
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
