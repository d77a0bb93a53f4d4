/*
 * peer_addr.c — getpeername, and the resolver table (resolver.h), for the
 * connection's identity.
 */
#include "peer_addr.h"
#include "resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static int fill_from(const struct sockaddr_storage *ss, struct tg_peer_addr *a)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        memcpy(a->ip, &in->sin_addr, 4);
        a->ip_len = 4;
        a->port = ntohs(in->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        /* An IPv4-mapped peer is an IPv4 peer for the certificate. */
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            memcpy(a->ip, &in6->sin6_addr.s6_addr[12], 4);
            a->ip_len = 4;
        } else {
            memcpy(a->ip, &in6->sin6_addr, 16);
            a->ip_len = 16;
        }
        a->port = ntohs(in6->sin6_port);
    } else {
        return 0;
    }
    inet_ntop(a->ip_len == 4 ? AF_INET : AF_INET6, a->ip, a->ip_text, sizeof a->ip_text);
    return 1;
}

void tg_peer_addr_of(int fd, int want_name, struct tg_peer_addr *a)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(a, 0, sizeof *a);
    if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
        a->is_socket = fill_from(&ss, a);
        if (a->is_socket && want_name &&
            !tg_resolver_lookup(fd, (struct sockaddr *)&ss, a->resolved, sizeof a->resolved))
            a->resolved[0] = '\0';
        return;
    }
    /* No socket behind the connection (a custom transport, as in curl). */
    if (tg_resolver_last_connect(&ss))
        fill_from(&ss, a);
}
