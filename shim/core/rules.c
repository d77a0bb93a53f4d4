/*
 * rules.c — a connection's settings from the policy: pure, no settings or
 * TLS library in sight.
 */
#include "rules.h"

#include <stdio.h>

void tg_rules_from_policy(struct tg_rules *r, const struct tg_policy *p, int force_audit,
                          int is_client, const char *name)
{
    const struct tg_global *g = tg_policy_global(p);
    struct tg_host_settings hs;
    int audit = g->mode == TG_MODE_AUDIT;
    r->applied = 1;
    snprintf(r->host, sizeof r->host, "%s", name ? name : "");
    r->min_protocol = g->min_protocol;
    r->pins = NULL;
    r->pin_count = 0;
    r->pins_expire_at = -1;
    r->policy_line = 0;
    r->ca_file = r->ca_dir = NULL;
    if (is_client) {
        tg_policy_lookup(p, name && *name ? name : NULL, &hs);
        audit = hs.mode == TG_MODE_AUDIT;
        r->min_protocol = hs.min_protocol;
        r->pins = hs.pins;
        r->pin_count = hs.pin_count;
        r->pins_expire_at = hs.pins_expire_at;
        r->policy_line = hs.block_line;
        r->ca_file = hs.ca_file;
        r->ca_dir = hs.ca_dir;
    }
    r->audit = audit || force_audit;
}

int tg_rules_pins_due(const struct tg_rules *r, long long now)
{
    return r->pin_count && !(r->pins_expire_at >= 0 && now >= r->pins_expire_at);
}

const char *tg_rules_floor_name(const struct tg_rules *r)
{
    return r->min_protocol >= TG_TLS1_3 ? "TLS 1.3" : "TLS 1.2";
}
