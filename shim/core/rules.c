/*
 * rules.c — a connection's settings from the policy: pure, no settings or
 * TLS library in sight.
 */
#include "rules.h"

#include <stdio.h>

void tg_rules_from_policy(struct tg_rules *r, const struct tg_policy *p, int force_audit,
                          int is_client, const char *name)
{
    r->applied = 1;
    snprintf(r->host, sizeof r->host, "%s", name ? name : "");
    /* A server judges no peer name: the global settings (no block matches NULL). */
    tg_policy_lookup(p, is_client && name && *name ? name : NULL, &r->settings);
    r->audit = r->settings.mode == TG_MODE_AUDIT || force_audit;
}

int tg_rules_pins_due(const struct tg_rules *r, long long now)
{
    return r->settings.pin_count &&
           !(r->settings.pins_expire_at >= 0 && now >= r->settings.pins_expire_at);
}

const char *tg_rules_floor_name(const struct tg_rules *r)
{
    return r->settings.min_protocol >= TG_TLS1_3 ? "TLS 1.3" : "TLS 1.2";
}
