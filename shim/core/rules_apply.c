/*
 * rules_apply.c — the process's policy (settings.h) applied to one
 * connection's rules.
 */
#include "rules.h"
#include "settings.h"
#include "verdict.h"

#include <strings.h>

int tg_rules_apply(struct tg_rules *r, struct tg_verdict *v, int is_client, const char *name)
{
    const char *err = NULL;
    const struct tg_policy *p = tg_settings_policy(&err);
    if (!p) {
        r->settings.min_protocol = TG_TLS1_2;
        tg_verdict_note(v, TG_R_POLICY, "invalid policy: %s", err ? err : "?");
        return 0;
    }
    if (r->applied && !strcasecmp(r->host, name ? name : ""))
        return 1;
    tg_rules_from_policy(r, p, tg_settings()->force_audit, is_client, name);
    return 1;
}
