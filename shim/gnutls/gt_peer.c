/*
 * gt_peer.c — the facts about a session's peer, and its name.
 */
#include "gt_peer.h"
#include "resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int set_name(struct tg_gt_peer *p, const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (!len || len >= sizeof p->name)
        return 0;
    memcpy(p->name, name, len + 1);
    p->name_is_ip = tg_is_ip_literal(name);
    return 1;
}

/* Address text and port of `ss`; 0 when it is no IP address. */
static int address_of(const struct sockaddr_storage *ss, struct tg_gt_peer *p)
{
    const void *ip;
    int family = ss->ss_family;
    if (family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        ip = &in->sin_addr;
        p->port = ntohs(in->sin_port);
    } else if (family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        ip = &in6->sin6_addr;
        p->port = ntohs(in6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) { /* an IPv4 peer for the certificate */
            ip = &in6->sin6_addr.s6_addr[12];
            family = AF_INET;
        }
    } else {
        return 0;
    }
    return inet_ntop(family, ip, p->ip_text, sizeof p->ip_text) != NULL;
}

/* The session's socket, when the program gave GnuTLS a plain fd (no push
 * function of its own): its peer address; -1 when there is none. */
static int socket_peer(const struct tg_gtls *g, const struct tg_gt_rec *r,
                       struct sockaddr_storage *ss)
{
    int rfd = -1, wfd = -1;
    socklen_t sl = sizeof *ss;
    if (r->custom_transport)
        return -1;
    g->gnutls_transport_get_int2(r->session, &rfd, &wfd);
    if (wfd < 0 || getpeername(wfd, (struct sockaddr *)ss, &sl) != 0)
        return -1;
    return wfd;
}

void tg_gt_peer_identify(const struct tg_gtls *g, const struct tg_gt_rec *r, int early,
                         struct tg_gt_peer *p)
{
    struct sockaddr_storage ss;
    char resolved[256];
    memset(p, 0, sizeof *p);
    if (!set_name(p, r->prog_host))
        set_name(p, r->sni);
    if (early)
        return;
    int fd = socket_peer(g, r, &ss);
    if (fd >= 0) {
        int is_ip = address_of(&ss, p);
        if (!p->name[0] && tg_resolver_lookup(fd, (struct sockaddr *)&ss, resolved, sizeof resolved))
            set_name(p, resolved);
        if (!p->name[0] && is_ip)
            set_name(p, p->ip_text);
    } else if (tg_resolver_last_connect(&ss)) {
        address_of(&ss, p); /* for the log only: this thread's latest connect() */
    }
}
