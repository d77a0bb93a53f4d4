/*
 * gt_backend.c — the facts GnuTLS holds about whom a session is for: the
 * name the program verifies against, its SNI (both seen by the hooks: a
 * client cannot read its SNI back), its socket; what it negotiated.
 */
#include "gt_backend.h"
#include "gt_verify.h"
#include "gtls.h"

#include <stddef.h>

static void names(struct tg_backend_conn *bc, const char *matched, struct tg_name_facts *f)
{
    f->set_host = matched && *matched ? matched : bc->r->prog_host[0] ? bc->r->prog_host : NULL;
    f->sni = bc->r->sni[0] ? bc->r->sni : NULL;
}

/* The fd the program gave GnuTLS, unless it pushes the bytes itself (then
 * the transport pointer is not an fd: libcurl's is its own object). */
static int socket_of(struct tg_backend_conn *bc)
{
    int rfd = -1, wfd = -1;
    if (bc->r->custom_transport)
        return -1;
    bc->g->gnutls_transport_get_int2(bc->r->session, &rfd, &wfd);
    return wfd;
}

/* The version once a server chose it; the suite once the handshake is done
 * (TLS 1.2's pending suite is not readable before) or, in TLS 1.3, known. */
static void negotiated(struct tg_backend_conn *bc, struct tg_negotiated *n)
{
    int v = bc->r->seen_server || bc->r->finished
                ? bc->g->gnutls_protocol_get_version(bc->r->session)
                : 0;
    n->protocol = v > 0 ? tg_gt_protocol_name(v) : NULL;
    n->suite =
        v > 0 && (bc->r->finished || v >= TG_GT_TLS1_3) ? tg_gt_suite_name(bc->g, bc->r) : NULL;
}

const struct tg_backend tg_gnutls_backend = {
    .name = "gnutls",
    .names = names,
    .socket = socket_of,
    .negotiated = negotiated,
    .hands_out = tg_gtls_hands_out,
};
