/*
 * peer.c — the connection's identity gathered once per question, through
 * the backend table, in the order name.h chooses from.
 */
#include "peer.h"
#include "peer_addr.h"

#include <stdio.h>
#include <string.h>

void tg_peer_name(const struct tg_backend *b, struct tg_backend_conn *bc, const char *matched,
                  int early, struct tg_name *out)
{
    struct tg_name_facts f = { 0 };
    struct tg_peer_addr a;
    b->names(bc, matched, &f);
    if (early || tg_name_settled_early(&f)) {
        tg_name_choose(&f, out);
        return;
    }
    tg_peer_addr_of(b->socket(bc), 1, &a);
    f.resolved = a.resolved;
    f.peer_ip = a.is_socket ? a.ip_text : NULL; /* a latest connect() names nothing */
    tg_name_choose(&f, out);
}

void tg_peer_where(const struct tg_backend *b, struct tg_backend_conn *bc, const char *judged,
                   struct tg_where *w)
{
    struct tg_name_facts f = { 0 };
    struct tg_peer_addr a;
    struct tg_name n = { .source = TG_NAME_NONE, .name = "" };
    int need_name = !judged || !judged[0];
    if (need_name)
        b->names(bc, NULL, &f);
    tg_peer_addr_of(b->socket(bc), need_name && !tg_name_settled_early(&f), &a);
    if (need_name) {
        f.resolved = a.resolved;
        f.peer_ip = a.is_socket ? a.ip_text : NULL;
        tg_name_choose(&f, &n);
    }
    snprintf(w->host, sizeof w->host, "%s",
             !need_name     ? judged
             : n.name[0]    ? n.name
             : a.ip_text[0] ? a.ip_text
                            : "-");
    w->port = a.port;
    b->negotiated(bc, &w->negotiated);
}
