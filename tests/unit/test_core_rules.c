/*
 * test_core_rules.c — a connection's rules from a policy (shim/core/rules.c):
 * the first matching host block, the global ones for a server or no name,
 * audit from the policy or the environment, pins and their expiry.
 */
#include "rules.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

static struct tg_policy *policy;
static char text[1024];

static void make_policy(void)
{
    char pin1[64], pin2[64];
    unit_pin(1, pin1);
    unit_pin(2, pin2);
    snprintf(text, sizeof text,
             "min-protocol TLSv1.2\n"
             "host pinned.example\n" /* line 2 */
             "    pin %s\n"
             "    pin %s\n"
             "    pin-expires 2030-01-01\n"
             "host audited.example\n" /* line 6 */
             "    mode audit\n"
             "    min-protocol TLSv1.3\n"
             "host *.example\n" /* line 9 */
             "    ca-file /etc/ssl/certs/ca-certificates.crt\n",
             pin1, pin2);
    policy = tg_policy_parse(text, strlen(text), "rules.policy", NULL);
}

/* 2030-01-02 00:00 UTC: the day after pin-expires. */
#define EXPIRY 1893542400LL

static const struct {
    const char *what;
    const char *name;
    int is_client, force_audit;
    int min_protocol, audit, line;
    size_t pins;
    long long expire_at;
    int has_ca; /* from the first matching block that sets one: *.example */
} cases[] = {
    { .what = "pinned host",
      .name = "pinned.example",
      .is_client = 1,
      .min_protocol = TG_TLS1_2,
      .line = 2,
      .pins = 2,
      .expire_at = EXPIRY,
      .has_ca = 1 },
    { .what = "case does not matter",
      .name = "PINNED.Example",
      .is_client = 1,
      .min_protocol = TG_TLS1_2,
      .line = 2,
      .pins = 2,
      .expire_at = EXPIRY,
      .has_ca = 1 },
    { .what = "audited host, its own floor",
      .name = "audited.example",
      .is_client = 1,
      .min_protocol = TG_TLS1_3,
      .audit = 1,
      .line = 6,
      .expire_at = -1,
      .has_ca = 1 },
    { .what = "wildcard block with anchors",
      .name = "www.example",
      .is_client = 1,
      .min_protocol = TG_TLS1_2,
      .line = 9,
      .expire_at = -1,
      .has_ca = 1 },
    { .what = "no block",
      .name = "other.test",
      .is_client = 1,
      .min_protocol = TG_TLS1_2,
      .expire_at = -1 },
    { .what = "no name", .name = NULL, .is_client = 1, .min_protocol = TG_TLS1_2, .expire_at = -1 },
    { .what = "a server gets the global rules",
      .name = "pinned.example",
      .min_protocol = TG_TLS1_2,
      .expire_at = -1 },
    { .what = "audit from the environment",
      .name = "pinned.example",
      .is_client = 1,
      .force_audit = 1,
      .min_protocol = TG_TLS1_2,
      .audit = 1,
      .line = 2,
      .pins = 2,
      .expire_at = EXPIRY,
      .has_ca = 1 },
};

static void test_pins_due(void)
{
    struct tg_rules r;
    tg_rules_from_policy(&r, policy, 0, 1, "pinned.example");
    CHECK(tg_rules_pins_due(&r, EXPIRY - 1), "pins hold until the day after pin-expires");
    CHECK(!tg_rules_pins_due(&r, EXPIRY), "and not from then on");
    tg_rules_from_policy(&r, policy, 0, 1, "other.test");
    CHECK(!tg_rules_pins_due(&r, 0), "no pins, nothing due");
    CHECK_STR(tg_rules_floor_name(&r), "TLS 1.2", NULL);
    tg_rules_from_policy(&r, policy, 0, 1, "audited.example");
    CHECK_STR(tg_rules_floor_name(&r), "TLS 1.3", NULL);
}

int main(void)
{
    make_policy();
    if (!CHECK(policy != NULL, "the test policy parses"))
        return unit_finish();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tg_rules r;
        memset(&r, 0xa5, sizeof r); /* every field is set */
        tg_rules_from_policy(&r, policy, cases[i].force_audit, cases[i].is_client, cases[i].name);
        CHECK_INT(r.applied, 1, cases[i].what);
        CHECK_INT(r.settings.min_protocol, cases[i].min_protocol, cases[i].what);
        CHECK_INT(r.audit, cases[i].audit, cases[i].what);
        CHECK_INT(r.settings.block_line, cases[i].line, cases[i].what);
        CHECK_INT(r.settings.pin_count, cases[i].pins, cases[i].what);
        CHECK_INT(r.settings.pins_expire_at, cases[i].expire_at, cases[i].what);
        CHECK_INT(r.settings.ca_file != NULL, cases[i].has_ca, cases[i].what);
        CHECK_STR(r.host, cases[i].name ? cases[i].name : "", cases[i].what);
    }
    test_pins_due();
    tg_policy_free(policy);
    return unit_finish();
}
