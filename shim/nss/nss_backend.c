/*
 * nss_backend.c — the facts NSS holds about a socket for the core.
 */
#include "nss_backend.h"

#include <stdio.h>
#include <string.h>

const char *tg_nss_protocol_name(uint16_t v)
{
    switch (v) {
    case 0x0300:
        return "SSLv3";
    case 0x0301:
        return "TLSv1";
    case 0x0302:
        return "TLSv1.1";
    case 0x0303:
        return "TLSv1.2";
    case 0x0304:
        return "TLSv1.3";
    default:
        return NULL;
    }
}

void tg_nss_conn_init(struct tg_backend_conn *bc, const struct tg_nss *n, struct tg_nss_rec *r)
{
    memset(bc, 0, sizeof *bc);
    bc->n = n;
    bc->r = r;
    char *url = n->SSL_RevealURL(r->fd);
    if (url) {
        snprintf(bc->url, sizeof bc->url, "%s", url);
        n->PORT_Free(url);
    }
}

/* NSS has one name per socket: the URL names the certificate's host and is
 * the SNI (NSS sends none for an address). */
static void names(struct tg_backend_conn *bc, const char *matched, struct tg_name_facts *f)
{
    f->set_host = matched && *matched ? matched : bc->url[0] ? bc->url : NULL;
    f->sni = bc->url[0] ? bc->url : NULL;
}

static int socket_of(struct tg_backend_conn *bc)
{
    return bc->n->PR_FileDesc2NativeHandle(bc->r->fd);
}

static void negotiated(struct tg_backend_conn *bc, struct tg_negotiated *out)
{
    tg_nss_channel ch;
    tg_nss_suite_info si;
    memset(&ch, 0, sizeof ch);
    memset(&si, 0, sizeof si);
    out->protocol = out->suite = NULL;
    if (bc->n->SSL_GetChannelInfo(bc->r->fd, &ch, sizeof ch) || !ch.protocol)
        return;
    out->protocol = tg_nss_protocol_name(ch.protocol);
    if (ch.suite && !bc->n->SSL_GetCipherSuiteInfo(ch.suite, &si, sizeof si) && si.name) {
        snprintf(bc->suite, sizeof bc->suite, "%s", si.name);
        out->suite = bc->suite;
    }
}

const struct tg_backend tg_nss_backend = {
    .name = "nss",
    .names = names,
    .socket = socket_of,
    .negotiated = negotiated,
    .hands_out = tg_nss_hands_out,
};
