/*
 * name.c — the connection's name from its facts (SPEC.md, default
 * enforcement 3).
 */
#include "name.h"
#include "ip_literal.h"

#include <string.h>

static int take(struct tg_name *out, const char *name, enum tg_name_source source)
{
    size_t len = name ? strlen(name) : 0;
    if (!len || len >= sizeof out->name)
        return 0;
    memcpy(out->name, name, len + 1);
    out->source = tg_is_ip_literal(name) ? TG_NAME_IP : source;
    return 1;
}

void tg_name_choose(const struct tg_name_facts *f, struct tg_name *out)
{
    out->source = TG_NAME_NONE;
    out->name[0] = '\0';
    if (take(out, f->set_host, TG_NAME_HOST) || take(out, f->sni, TG_NAME_SNI) ||
        take(out, f->resolved, TG_NAME_RESOLVED))
        return;
    take(out, f->peer_ip, TG_NAME_IP);
}

int tg_name_settled_early(const struct tg_name_facts *f)
{
    struct tg_name_facts early = { .set_host = f->set_host, .sni = f->sni };
    struct tg_name n;
    tg_name_choose(&early, &n);
    return n.source != TG_NAME_NONE;
}
