/*
 * Unit tests for host lookups: resolution (host block, then global, then
 * defaults), per-host trust anchors, the settings table's groups, and a
 * policy of 10 000 blocks, the index checked against the linear lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "setting_table.h"
#include "test_policy.h"
#include "unit.h"

/* ---- resolution: host block, then global, then defaults -------------- */

static const char resolve_text[] = "min-protocol TLSv1.3\n"    /* 1 */
                                   "host pinned.example.com\n" /* 2: block 0 */
                                   "  pin " PIN_11 "\n"
                                   "  pin " PIN_22 "\n"
                                   "  pin-expires 2024-02-29\n"
                                   "host audit.example.com\n" /* 6: block 1 */
                                   "  mode audit\n"
                                   "  min-protocol TLSv1.2\n"
                                   "host **.example.com\n" /* 9: block 2 */
                                   "  pin " PIN_33 "\n"
                                   "  pin " PIN_44 "\n"
                                   "  pin " PIN_11 "\n"
                                   "host empty.example.org\n"; /* 13: block 3 */

static const struct resolve_test {
    const char *host;
    int min_protocol;
    enum tg_mode mode;
    size_t pin_count;
    unsigned char first_pin;
    long long expire;
    int block, line;
} resolve_tests[] = {
    { .host = "pinned.example.com",
      .min_protocol = TG_TLS1_3,
      .pin_count = 2,
      .first_pin = 0x11,
      .expire = 1709251200,
      .block = 0,
      .line = 2 },
    { .host = "PINNED.Example.COM.",
      .min_protocol = TG_TLS1_3,
      .pin_count = 2,
      .first_pin = 0x11,
      .expire = 1709251200,
      .block = 0,
      .line = 2 },
    /* audit.example.com: mode and protocol from block 1, pins from block 2 */
    { .host = "audit.example.com",
      .min_protocol = TG_TLS1_2,
      .mode = TG_MODE_AUDIT,
      .pin_count = 3,
      .first_pin = 0x33,
      .expire = -1,
      .block = 1,
      .line = 6 },
    { .host = "other.example.com",
      .min_protocol = TG_TLS1_3,
      .pin_count = 3,
      .first_pin = 0x33,
      .expire = -1,
      .block = 2,
      .line = 9 },
    { .host = "example.com",
      .min_protocol = TG_TLS1_3,
      .pin_count = 3,
      .first_pin = 0x33,
      .expire = -1,
      .block = 2,
      .line = 9 },
    /* matched by an empty block: everything from global/defaults */
    { .host = "empty.example.org",
      .min_protocol = TG_TLS1_3,
      .expire = -1,
      .block = 3,
      .line = 13 },
    { .host = "example.org", .min_protocol = TG_TLS1_3, .expire = -1, .block = -1 },
    { .host = "", .min_protocol = TG_TLS1_3, .expire = -1, .block = -1 },
    { .host = NULL, .min_protocol = TG_TLS1_3, .expire = -1, .block = -1 },
};

static void check_settings(const struct tg_host_settings *s, const struct resolve_test *t,
                           const char *ctx)
{
    CHECK_INT(s->min_protocol, t->min_protocol, ctx);
    CHECK_INT(s->mode, t->mode, ctx);
    CHECK_INT(s->pin_count, t->pin_count, ctx);
    CHECK((s->pins == NULL) == (t->pin_count == 0), ctx);
    if (s->pins != NULL && t->pin_count > 0)
        CHECK_INT(s->pins[0].sha256[0], t->first_pin, ctx);
    CHECK_INT(s->pins_expire_at, t->expire, ctx);
    CHECK_INT(s->block_index, t->block, ctx);
    CHECK_INT(s->block_line, t->line, ctx);
}

static void test_resolve(void)
{
    struct tg_diags d;
    struct tg_policy *p = parse(resolve_text, &d);
    struct tg_host_settings s;
    size_t i;

    if (!CHECK(p != NULL, "resolve policy parses")) {
        tg_diags_free(&d);
        return;
    }
    for (i = 0; i < sizeof(resolve_tests) / sizeof(resolve_tests[0]); i++) {
        const struct resolve_test *t = &resolve_tests[i];
        char ctx[300];

        snprintf(ctx, sizeof(ctx), "host '%s'", t->host ? t->host : "(null)");
        tg_policy_lookup(p, t->host, &s);
        check_settings(&s, t, ctx);
        strcat(ctx, " (linear)");
        tg_policy_lookup_linear(p, t->host, &s);
        check_settings(&s, t, ctx);
    }
    tg_policy_free(p);
    tg_diags_free(&d);

    /* The default policy: nothing matches, built-in defaults. */
    p = tg_policy_default();
    CHECK(p != NULL, NULL);
    tg_policy_lookup(p, "example.com", &s);
    CHECK_INT(s.min_protocol, TG_TLS1_2, NULL);
    CHECK_INT(s.mode, TG_MODE_ENFORCE, NULL);
    CHECK_INT(s.pin_count, 0, NULL);
    CHECK_INT(s.block_index, -1, NULL);
    CHECK_INT(tg_policy_global(p)->log_kind, TG_LOG_STDERR, NULL);
    CHECK_INT(tg_policy_global(p)->log_allowed, 0, NULL);
    CHECK(tg_policy_global(p)->ca_file == NULL, NULL);
    tg_policy_free(p);
    tg_policy_free(NULL);
}

/* ---- per-host trust anchors ------------------------------------------ */

static const char host_ca_text[] =
    "ca-file /etc/global.pem\n" /* 1 */
    "host internal.example\n"   /* 2: block 0 */
    "  ca-file /etc/internal.pem\n"
    "host dironly.example\n" /* 4: block 1 */
    "  ca-dir /etc/dironly.d\n"
    "  mode audit\n"
    "host both.example\n" /* 7: block 2 */
    "  ca-dir /etc/both.d\n"
    "  ca-file /etc/both.pem\n"
    "host modeonly.example\n" /* 10: block 3 */
    "  mode audit\n"
    "host *.wild.example\n" /* 12: block 4 */
    "  ca-file /etc/wild.pem\n"
    "host a.wild.example modeonly.example\n" /* 14: block 5: later, ca-dir only */
    "  ca-dir /etc/late.d\n";

static const struct host_ca_test {
    const char *host;
    const char *ca_file, *ca_dir;
    int ca_line, block;
} host_ca_tests[] = {
    { .host = "internal.example", .ca_file = "/etc/internal.pem", .ca_line = 2, .block = 0 },
    { .host = "INTERNAL.example.", .ca_file = "/etc/internal.pem", .ca_line = 2, .block = 0 },
    /* only the named host: neither a parent nor a child of it */
    { .host = "example", .block = -1 },
    { .host = "x.internal.example", .block = -1 },
    { .host = "dironly.example", .ca_dir = "/etc/dironly.d", .ca_line = 4, .block = 1 },
    { .host = "both.example",
      .ca_file = "/etc/both.pem",
      .ca_dir = "/etc/both.d",
      .ca_line = 7,
      .block = 2 },
    /* a first block without anchors: they come from the next matching block that has some */
    { .host = "modeonly.example", .ca_dir = "/etc/late.d", .ca_line = 14, .block = 3 },
    /* ca-file and ca-dir come together: block 4's file, not block 5's directory too */
    { .host = "a.wild.example", .ca_file = "/etc/wild.pem", .ca_line = 12, .block = 4 },
    { .host = "b.wild.example", .ca_file = "/etc/wild.pem", .ca_line = 12, .block = 4 },
    { .host = "wild.example", .block = -1 },
    { .host = "127.0.0.1", .block = -1 },
    { .host = NULL, .block = -1 },
};

static void check_host_ca(const struct tg_host_settings *s, const struct host_ca_test *t,
                          const char *ctx)
{
    CHECK_STR(s->ca_file, t->ca_file, ctx);
    CHECK_STR(s->ca_dir, t->ca_dir, ctx);
    CHECK_INT(s->ca_line, t->ca_line, ctx);
    CHECK_INT(s->block_index, t->block, ctx);
}

static void test_host_ca(void)
{
    struct tg_diags d;
    struct tg_policy *p = parse(host_ca_text, &d);
    struct tg_policy_ca_path paths[8];
    struct tg_host_settings s;
    size_t i, n;

    if (!CHECK(p != NULL, "per-host CA policy parses")) {
        tg_diags_free(&d);
        return;
    }
    CHECK_INT(d.warnings, 0, NULL);
    CHECK_STR(tg_policy_global(p)->ca_file, "/etc/global.pem", "the global ca-file stays global");
    CHECK(tg_policy_global(p)->ca_dir == NULL, NULL);
    for (i = 0; i < sizeof(host_ca_tests) / sizeof(host_ca_tests[0]); i++) {
        const struct host_ca_test *t = &host_ca_tests[i];
        char ctx[300];

        snprintf(ctx, sizeof(ctx), "host '%s'", t->host ? t->host : "(null)");
        tg_policy_lookup(p, t->host, &s);
        check_host_ca(&s, t, ctx);
        strcat(ctx, " (linear)");
        tg_policy_lookup_linear(p, t->host, &s);
        check_host_ca(&s, t, ctx);
    }
    /* Every path with its line, global first, for `tlsguard check`. */
    n = tg_policy_ca_paths(p, paths, 8);
    CHECK_INT(n, 7, NULL);
    CHECK_STR(paths[0].path, "/etc/global.pem", NULL);
    CHECK_INT(paths[0].line, 1, NULL);
    CHECK_INT(paths[0].block_index, -1, NULL);
    CHECK_STR(paths[1].path, "/etc/internal.pem", NULL);
    CHECK_INT(paths[1].line, 3, NULL);
    CHECK_INT(paths[1].is_dir, 0, NULL);
    CHECK_STR(paths[2].path, "/etc/dironly.d", NULL);
    CHECK_INT(paths[2].is_dir, 1, NULL);
    CHECK_INT(paths[2].block_index, 1, NULL);
    CHECK_STR(paths[6].path, "/etc/late.d", NULL);
    CHECK_INT(paths[6].line, 15, NULL);
    CHECK_INT(tg_policy_ca_paths(p, paths, 2), 7, "the count does not depend on the room");
    tg_policy_free(p);
    tg_diags_free(&d);

    p = tg_policy_default();
    CHECK(p != NULL, NULL);
    tg_policy_lookup(p, "internal.example", &s);
    CHECK(s.ca_file == NULL && s.ca_dir == NULL && s.ca_line == 0, "no policy, no anchors");
    CHECK_INT(tg_policy_ca_paths(p, paths, 8), 0, NULL);
    tg_policy_free(p);
}

/* ---- 10 000 blocks ------------------------------------------------------ */

#define NBLOCKS 10000

/*
 * Block i: host h<i>.example.com *.w<i>.example.org **.a<i>.example.net
 *   mode audit when i is odd, min-protocol TLSv1.3 when i % 3 == 0,
 *   two pins (bytes i % 200 + 1, and 255) when i % 5 == 0.
 * Last block (index NBLOCKS): host **.example.com, two pins (0xee, 0xef).
 */
static char *big_policy(size_t *len)
{
    size_t cap = (size_t)NBLOCKS * 256 + 1024, n = 0, i;
    char *s = malloc(cap);
    char pin[64], pin2[64];

    unit_pin(255, pin2);
    for (i = 0; i < NBLOCKS; i++) {
        n += (size_t)snprintf(s + n, cap - n,
                              "host h%zu.example.com *.w%zu.example.org **.a%zu.example.net\n", i,
                              i, i);
        if (i % 2)
            n += (size_t)snprintf(s + n, cap - n, "  mode audit\n");
        if (i % 3 == 0)
            n += (size_t)snprintf(s + n, cap - n, "  min-protocol TLSv1.3\n");
        if (i % 5 == 0) {
            unit_pin((unsigned char)(i % 200 + 1), pin);
            n += (size_t)snprintf(s + n, cap - n, "  pin %s\n  pin %s\n", pin, pin2);
        }
    }
    unit_pin(0xee, pin);
    unit_pin(0xef, pin2);
    n += (size_t)snprintf(s + n, cap - n, "host **.example.com\n  pin %s\n  pin %s\n", pin, pin2);
    *len = n;
    return s;
}

/* What a lookup in big_policy() must give: block -1 means no numbered block
 * (then via_last says whether the final **.example.com block matches). */
static int big_expected(const struct tg_host_settings *s, int block, int via_last)
{
    size_t i = (size_t)block;
    int mode = TG_MODE_ENFORCE, proto = TG_TLS1_2, want_block = block;
    unsigned first_pin = 0;
    size_t pins = 0;

    if (block >= 0) {
        mode = i % 2 ? TG_MODE_AUDIT : TG_MODE_ENFORCE;
        proto = i % 3 == 0 ? TG_TLS1_3 : TG_TLS1_2;
    } else if (via_last) {
        want_block = NBLOCKS;
    }
    if (block >= 0 && i % 5 == 0) {
        pins = 2;
        first_pin = (unsigned)(i % 200 + 1);
    } else if (via_last) {
        pins = 2;
        first_pin = 0xee;
    }
    return s->block_index == want_block && (int)s->mode == mode && s->min_protocol == proto &&
           s->pin_count == pins && (pins == 0 || s->pins[0].sha256[0] == first_pin) &&
           s->pins_expire_at == -1;
}

/* One check per lookup; every 250th block also against the linear scan. */
static void check_big(const struct tg_policy *p, const char *host, int block, int via_last)
{
    struct tg_host_settings s, lin;
    char ctx[200];

    tg_policy_lookup(p, host, &s);
    snprintf(ctx, sizeof(ctx), "10k: %s -> block %d mode %d proto %#x pins %zu", host,
             s.block_index, (int)s.mode, (unsigned)s.min_protocol, s.pin_count);
    CHECK(big_expected(&s, block, via_last), ctx);
    if (block % 250 == 0) {
        tg_policy_lookup_linear(p, host, &lin);
        CHECK(unit_same_settings(&s, &lin), ctx);
    }
}

static void test_many_blocks(void)
{
    struct tg_diags d;
    struct tg_policy *p;
    size_t len, i;
    char *text = big_policy(&len), host[128];

    p = tg_policy_parse(text, len, "big", &d);
    free(text);
    if (!CHECK(p != NULL, "10 000-block policy parses")) {
        tg_diags_free(&d);
        return;
    }
    CHECK_INT(tg_policy_block_count(p), NBLOCKS + 1, NULL);
    CHECK_INT(d.warnings, 0, NULL);
    for (i = 0; i < NBLOCKS; i++) {
        snprintf(host, sizeof(host), "h%zu.example.com", i);
        check_big(p, host, (int)i, 1);
        snprintf(host, sizeof(host), "X.W%zu.Example.Org.", i);
        check_big(p, host, (int)i, 0);
        snprintf(host, sizeof(host), "a%zu.example.net", i);
        check_big(p, host, (int)i, 0);
        snprintf(host, sizeof(host), "b.c.a%zu.example.net", i);
        check_big(p, host, (int)i, 0);
        if (i % 10 == 0) {
            snprintf(host, sizeof(host), "w%zu.example.org", i); /* *. needs a label */
            check_big(p, host, -1, 0);
            snprintf(host, sizeof(host), "x.y.w%zu.example.org", i); /* and only one */
            check_big(p, host, -1, 0);
            snprintf(host, sizeof(host), "xa%zu.example.net", i); /* no partial label */
            check_big(p, host, -1, 0);
            snprintf(host, sizeof(host), "x.h%zu.example.com", i); /* falls to **. */
            check_big(p, host, -1, 1);
        }
    }
    check_big(p, "example.com", -1, 1);
    check_big(p, "h10000.example.com", -1, 1);
    check_big(p, "example.net", -1, 0);
    tg_policy_free(p);
    tg_diags_free(&d);
}

/* ---- the settings table ---------------------------------------------- */

/* Mark the bytes [off, off + len) of struct tg_host_settings in owner[];
 * 0 if one was already another setting's. */
static int claim(signed char *owner, size_t off, size_t len, int s)
{
    size_t i;
    int ok = 1;

    for (i = off; i < off + len && i < sizeof(struct tg_host_settings); i++) {
        ok &= owner[i] == -1;
        owner[i] = (signed char)s;
    }
    return ok && off + len <= sizeof(struct tg_host_settings);
}

/* Every field before block_index is some leading setting's to take (so a
 * field added without its row, or two rows on one field, shows here);
 * members lie inside their leader's group. */
static void test_table_covers_settings(void)
{
    signed char owner[sizeof(struct tg_host_settings)];
    size_t i;
    int s, t;

    memset(owner, -1, sizeof(owner));
    for (s = 0; s < TG_SET_COUNT; s++) {
        const struct tg_setting_def *r = &tg_setting_table[s];
        char ctx[100];

        snprintf(ctx, sizeof(ctx), "setting %d (%s)", s, r->name ? r->name : "?");
        if (!CHECK(r->name != NULL && r->name[0] != '\0' && strcmp(r->name, "host") != 0, ctx))
            continue;
        for (t = 0; t < s; t++)
            CHECK(strcmp(tg_setting_table[t].name, r->name) != 0, ctx);
        CHECK(tg_value_types[r->type].parse != NULL, ctx);
        CHECK((s < TG_SET_HOST_COUNT) == (r->in_host != 0), ctx);
        CHECK(r->in_host || r->global != TG_G_NONE, ctx);
        if (r->member) {
            const struct tg_setting_def *l = &tg_setting_table[r->leader];

            CHECK(tg_setting_leads(r->leader), ctx);
            CHECK(r->host_off >= l->take_off && r->host_off < l->take_off + l->take_len, ctx);
            continue;
        }
        if (!tg_setting_leads((enum tg_setting)s))
            continue;
        if (r->take_len != 0)
            CHECK(claim(owner, r->take_off, r->take_len, s), ctx);
        else
            CHECK(claim(owner, r->host_off, tg_value_types[r->type].size, s), ctx);
        if (r->has_line_off)
            CHECK(claim(owner, r->line_off, sizeof(int), s), ctx);
    }
    for (i = 0; i < offsetof(struct tg_host_settings, block_index); i++) {
        char ctx[100];

        snprintf(ctx, sizeof(ctx), "byte %zu of struct tg_host_settings has no setting", i);
        CHECK(owner[i] != -1, ctx);
    }
}

/* An empty policy says each row's built-in default. */
static void test_table_defaults(void)
{
    struct tg_policy *p = tg_policy_default();
    struct tg_host_settings none;
    int s;

    if (!CHECK(p != NULL, NULL))
        return;
    tg_policy_lookup(p, NULL, &none);
    for (s = 0; s < TG_SET_COUNT; s++) {
        const struct tg_setting_def *r = &tg_setting_table[s];
        size_t size = tg_value_types[r->type].size;
        const char *g = (const char *)tg_policy_global(p);

        if (r->in_host || r->global == TG_G_DEFAULT)
            CHECK(memcmp((const char *)&none + r->host_off, &r->def, size) == 0, r->name);
        if (r->global == TG_G_OWN)
            CHECK(memcmp(g + r->global_off, &r->def, size) == 0, r->name);
    }
    CHECK_INT(none.block_index, -1, NULL);
    tg_policy_free(p);
}

/* Groups: pin-expires rides with the first block that has a pin, and does
 * not make a block supply pins; ca-dir alone supplies the anchors; each
 * leading setting chooses its own block. */
static const char groups_text[] = "host a.example\n" /* 1: block 0 */
                                  " pin-expires 2030-01-01\n"
                                  " ca-dir /d0\n"
                                  "host a.example\n" /* 4: block 1 */
                                  " pin " PIN_11 "\n"
                                  " pin " PIN_22 "\n"
                                  " pin-expires 2031-06-30\n"
                                  " ca-file /f1\n"
                                  " ca-dir /d1\n"
                                  " mode audit\n"
                                  "host **.example\n" /* 11: block 2 */
                                  " min-protocol TLSv1.3\n"
                                  " mode enforce\n";

static void check_groups(const struct tg_host_settings *s, const char *ctx)
{
    CHECK_INT(s->block_index, 0, ctx);
    CHECK_INT(s->block_line, 1, ctx);
    CHECK_INT(s->pin_count, 2, ctx);
    CHECK(s->pins != NULL && s->pins[0].sha256[0] == 0x11, ctx);
    CHECK_INT(s->pins_expire_at, 1940630400, ctx); /* 2031-07-01 00:00 UTC */
    CHECK(s->ca_file == NULL, ctx);
    CHECK_STR(s->ca_dir, "/d0", ctx);
    CHECK_INT(s->ca_line, 1, ctx);
    CHECK_INT(s->mode, TG_MODE_AUDIT, ctx);
    CHECK_INT(s->min_protocol, TG_TLS1_3, ctx);
}

static void test_groups(void)
{
    struct tg_diags d;
    struct tg_policy *p = parse(groups_text, &d);
    struct tg_host_settings s;

    if (!CHECK(p != NULL, "groups policy parses")) {
        tg_diags_free(&d);
        return;
    }
    CHECK(has_diag(&d, 1, 1, "pin-expires but no pin"), NULL);
    tg_policy_lookup(p, "a.example", &s);
    check_groups(&s, "index");
    tg_policy_lookup_linear(p, "a.example", &s);
    check_groups(&s, "linear");
    tg_policy_free(p);
    tg_diags_free(&d);
}

int main(void)
{
    test_resolve();
    test_host_ca();
    test_table_covers_settings();
    test_table_defaults();
    test_groups();
    test_many_blocks();
    return unit_finish();
}
