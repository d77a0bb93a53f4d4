/*
 * peer.c — name sources for hostname verification, in the order the
 * policy prefers them: the name the program set, the SNI, the resolved
 * name, the literal address.
 */
#include "peer.h"
#include "conn.h"
#include "ip_literal.h"
#include "resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define TLSEXT_NAMETYPE_host_name 0

static int fill_from(const struct sockaddr_storage *ss, struct tg_peer *p)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        memcpy(p->ip, &in->sin_addr, 4);
        p->ip_len = 4;
        p->port = ntohs(in->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        /* An IPv4-mapped peer is an IPv4 peer for the certificate. */
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            memcpy(p->ip, &in6->sin6_addr.s6_addr[12], 4);
            p->ip_len = 4;
        } else {
            memcpy(p->ip, &in6->sin6_addr, 16);
            p->ip_len = 16;
        }
        p->port = ntohs(in6->sin6_port);
    } else {
        return 0;
    }
    inet_ntop(p->ip_len == 4 ? AF_INET : AF_INET6, p->ip, p->ip_text, sizeof p->ip_text);
    return 1;
}

static void peer_address(const struct tg_ossl *o, const SSL *ssl, struct tg_peer *p,
                         struct sockaddr_storage *ss)
{
    socklen_t sl = sizeof *ss;
    int fd = o->SSL_get_fd(ssl);
    if (fd >= 0 && getpeername(fd, (struct sockaddr *)ss, &sl) == 0) {
        p->addr_is_socket = fill_from(ss, p);
        return;
    }
    /* No socket behind the SSL (a custom BIO, as in curl). */
    if (tg_resolver_last_connect(ss))
        fill_from(ss, p);
}

static int set_name(struct tg_peer *p, const char *name, enum tg_name_source source)
{
    size_t len = name ? strlen(name) : 0;
    if (!len || len >= sizeof p->name)
        return 0;
    memcpy(p->name, name, len + 1);
    p->source = tg_is_ip_literal(name) ? TG_NAME_IP : source;
    return 1;
}

/* The SNI as the name: 1 if there is one. */
static int name_from_sni(const struct tg_ossl *o, const SSL *ssl, struct tg_peer *p)
{
    return set_name(p, o->SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), TG_NAME_SNI);
}

/* The host name the program set: read from the SSL's parameters from 3.0
 * on (X509_VERIFY_PARAM_get0_host), else what the SSL_set1_host hook saw
 * (1.1.x). A name set straight on the parameters before 3.0 is known only
 * once OpenSSL matched it (the caller's `set_host`). */
static int name_from_param(const struct tg_ossl *o, const SSL *ssl, struct tg_peer *p)
{
    X509_VERIFY_PARAM *vp;
    const struct tg_conn *c;
    if (o->X509_VERIFY_PARAM_get0_host && o->SSL_get0_param &&
        (vp = o->SSL_get0_param((SSL *)ssl)) != NULL &&
        set_name(p, o->X509_VERIFY_PARAM_get0_host(vp, 0), TG_NAME_HOST))
        return 1;
    c = tg_conn_get(o, (SSL *)ssl, 0);
    return c && set_name(p, c->prog_host, TG_NAME_HOST);
}

static void clear(struct tg_peer *p)
{
    p->source = TG_NAME_NONE;
    p->name[0] = '\0';
    p->ip_len = 0;
    p->ip_text[0] = '\0';
    p->port = 0;
    p->addr_is_socket = 0;
}

void tg_peer_early_name(const struct tg_ossl *o, const SSL *ssl, struct tg_peer *p)
{
    clear(p);
    if (!name_from_param(o, ssl, p))
        name_from_sni(o, ssl, p);
}

void tg_peer_name(const struct tg_ossl *o, const SSL *ssl, const char *set_host, struct tg_peer *p)
{
    clear(p);
    if (set_name(p, set_host, TG_NAME_HOST) || name_from_param(o, ssl, p) || name_from_sni(o, ssl, p))
        return;
    tg_peer_identify(o, ssl, p);
}

void tg_peer_identify(const struct tg_ossl *o, const SSL *ssl, struct tg_peer *p)
{
    struct sockaddr_storage ss;
    memset(p, 0, sizeof *p);
    peer_address(o, ssl, p, &ss);
    int have_addr = p->addr_is_socket;

    if (name_from_sni(o, ssl, p))
        return;
    if (have_addr && tg_resolver_lookup(o->SSL_get_fd(ssl), (struct sockaddr *)&ss, p->name, sizeof p->name)) {
        p->source = TG_NAME_RESOLVED;
        return;
    }
    if (have_addr) {
        snprintf(p->name, sizeof p->name, "%s", p->ip_text);
        p->source = TG_NAME_IP;
    }
}
