/*
 * rules.h — what the policy says for one connection: the settings of the
 * first host block that matches its name (else the global ones), looked up
 * again whenever the name it is judged for changes.
 */
#ifndef TG_RULES_H
#define TG_RULES_H

#include "policy.h"

#include <stddef.h>

struct tg_verdict;

struct tg_rules {
    unsigned applied : 1; /* the fields below are set */
    unsigned audit : 1;   /* log what would be blocked, block nothing */
    /* The matching host block's settings (else the global ones) as policy/
     * looked them up: a per-host directive is a field there, none here.
     * Pins and anchors point into the policy, which lives for the process. */
    struct tg_host_settings settings;
    char host[256]; /* the name they were looked up for */
};

/* The rules `p` sets for a connection judged for `name` (NULL or "": no
 * name); a server side gets the global ones. `force_audit`: the
 * environment asked for audit mode. */
void tg_rules_from_policy(struct tg_rules *r, const struct tg_policy *p, int force_audit,
                          int is_client, const char *name);

/* The same from the process's policy (settings.h), skipped when they were
 * set for this very name already; 0, with TG_R_POLICY noted on `v`, when
 * the policy file is unusable (every client connection fails closed). */
int tg_rules_apply(struct tg_rules *r, struct tg_verdict *v, int is_client, const char *name);

/* 1 when the chain must be matched against the pins at `now`: there are
 * pins and they have not expired. */
int tg_rules_pins_due(const struct tg_rules *r, long long now);

/* "TLS 1.2" or "TLS 1.3": the floor, in words. */
const char *tg_rules_floor_name(const struct tg_rules *r);

#endif
