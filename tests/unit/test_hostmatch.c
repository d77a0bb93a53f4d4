/*
 * Unit tests for host patterns: validation, the single-pattern matcher (in
 * the manner of curl's unit1397), and first-match-wins lookup across mixed
 * exact and wildcard blocks, checked against the block-by-block scan.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "unit.h"

#define PIN_11 "sha256/ERERERERERERERERERERERERERERERERERERERERERE="
#define PIN_22 "sha256/IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="
#define PIN_33 "sha256/MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM="
#define PIN_44 "sha256/REREREREREREREREREREREREREREREREREREREREREQ="

/* ---- pattern x host ---------------------------------------------------- */

static const struct match_test {
    const char *pattern;
    const char *host;
    int want;
} match_tests[] = {
    /* exact */
    { "example.com", "example.com", 1 },
    { "example.com", "EXAMPLE.Com", 1 },
    { "EXAMPLE.COM", "example.com", 1 },
    { "example.com", "example.com.", 1 },  /* trailing dot ignored */
    { "example.com", "example.com..", 0 }, /* only one */
    { "example.com", "a.example.com", 0 },
    { "example.com", "example.co", 0 },
    { "example.com", "example.comm", 0 },
    { "example.com", "xexample.com", 0 },
    { "example.com", "", 0 },
    { "example.com", NULL, 0 },
    { "localhost", "localhost", 1 },
    { "localhost", "localhost.", 1 },
    { "a-b.example.com", "A-B.example.com", 1 },
    /* *. : exactly one more label */
    { "*.example.com", "a.example.com", 1 },
    { "*.example.com", "A.EXAMPLE.COM", 1 },
    { "*.example.com", "a.example.com.", 1 },
    { "*.example.com", "example.com", 0 },
    { "*.example.com", "a.b.example.com", 0 },
    { "*.example.com", ".example.com", 0 }, /* the label must not be empty */
    { "*.example.com", "aexample.com", 0 },
    { "*.ample.com", "a.example.com", 0 }, /* no partial labels */
    { "*.ample.com", "ex.ample.com", 1 },
    { "*.example.com", "a.example.org", 0 },
    { "*.com", "example.com", 1 },
    { "*.com", "a.example.com", 0 },
    { "*.example.com", "*.example.com", 1 }, /* a literal '*' is just a label */
    /* **. : any number of labels, even none */
    { "**.example.com", "example.com", 1 },
    { "**.example.com", "a.example.com", 1 },
    { "**.example.com", "a.b.example.com", 1 },
    { "**.example.com", "a.b.c.d.e.example.com", 1 },
    { "**.example.com", "A.B.Example.Com.", 1 },
    { "**.example.com", "example.com.", 1 },
    { "**.example.com", "xexample.com", 0 },
    { "**.example.com", "a.xexample.com", 0 },
    { "**.ample.com", "example.com", 0 },
    { "**.ample.com", "a.example.com", 0 },
    { "**.example.com", "example.org", 0 },
    { "**.example.com", "com", 0 },
    { "**.example.com", "", 0 },
    /* IP addresses: exact only */
    { "192.0.2.1", "192.0.2.1", 1 },
    { "192.0.2.1", "192.0.2.10", 0 },
    { "192.0.2.1", "192.0.2.1.", 1 },
    { "::1", "::1", 1 },
    { "::1", "[::1]", 1 },
    { "[::1]", "::1", 1 },
    { "::1", "0:0:0:0:0:0:0:1", 1 },
    { "2001:DB8::1", "2001:db8:0:0::1", 1 },
    { "2001:db8::1", "2001:db8::2", 0 },
    { "::ffff:192.0.2.1", "::FFFF:192.0.2.1", 1 },
    { "::1", "::1%eth0", 0 },
    { "::1:0", "::0.1.0.0", 1 }, /* canonical forms compared */
    { "::ffff:0:0", "[::FFFF:0.0.0.0]", 1 },
    { "**.example.com", "::1", 0 },
    /* invalid patterns */
    { "", "a", -1 },
    { "*", "a", -1 },
    { "**", "a", -1 },
    { "*.", "a", -1 },
    { "**.", "a", -1 },
    { "***.example.com", "a.example.com", -1 },
    { "*example.com", "example.com", -1 },
    { "a*.example.com", "ab.example.com", -1 },
    { "a.*.example.com", "a.b.example.com", -1 },
    { "example.*", "example.com", -1 },
    { "*.*.example.com", "a.b.example.com", -1 },
    { "example..com", "example..com", -1 },
    { ".example.com", "example.com", -1 },
    { "example.com.", "example.com", -1 },
    { "exa mple.com", "a", -1 },
    { "exa_mple.com", "exa_mple.com", -1 },
    { "ex\xc3\xa9.com", "ex\xc3\xa9.com", -1 },
    { "*.1.2.3", "0.1.2.3", -1 },
    { "**.2.3", "1.2.3", -1 },
    { "1:2:3", "1:2:3", -1 },
    { "[::1", "::1", -1 },
    { NULL, "a", -1 },
};

static void test_match(void)
{
    size_t i;

    for (i = 0; i < sizeof(match_tests) / sizeof(match_tests[0]); i++) {
        const struct match_test *t = &match_tests[i];
        char ctx[600];

        snprintf(ctx, sizeof(ctx), "pattern '%s' host '%s'", t->pattern ? t->pattern : "(null)",
                 t->host ? t->host : "(null)");
        CHECK_INT(tg_host_pattern_match(t->pattern, t->host), t->want, ctx);
    }
}

/* ---- pattern validation: the reasons ----------------------------------- */

static const struct check_test {
    const char *pattern;
    const char *why; /* NULL: valid */
} check_tests[] = {
    { "example.com", NULL },
    { "*.example.com", NULL },
    { "**.example.com", NULL },
    { "xn--bcher-kva.example", NULL },
    { "10.0.0.1", NULL },
    { "1.2.3", NULL }, /* an exact name may be all digits */
    { "fe80::1", NULL },
    { "a", NULL },
    { "", "empty pattern" },
    { "*", "leading '*.' or '**.'" },
    { "*.", "no name after the wildcard" },
    { "a..b", "empty label" },
    { "a.b.", "empty label" },
    { "a.*", "only allowed at the start" },
    { "a b", "invalid character" },
    { "*.10.0.0.1", "cannot match an IP address" },
    { "fe80::g", "not a valid IPv6 address" },
    { "0123456789012345678901234567890123456789012345678901234567890123.com",
      "label longer than 63" },
};

static void test_check(void)
{
    size_t i;
    char longname[300];

    for (i = 0; i < sizeof(check_tests) / sizeof(check_tests[0]); i++) {
        const struct check_test *t = &check_tests[i];
        const char *why = tg_host_pattern_check(t->pattern, strlen(t->pattern));

        if (t->why == NULL)
            CHECK_STR(why, NULL, t->pattern);
        else
            CHECK(why != NULL && strstr(why, t->why) != NULL, t->pattern);
    }
    /* 63-character labels are fine; 253 characters in all is the limit. */
    memset(longname, 'a', sizeof(longname));
    for (i = 63; i < sizeof(longname); i += 64)
        longname[i] = '.';
    CHECK_STR(tg_host_pattern_check(longname, 253), NULL, "253 characters");
    CHECK(tg_host_pattern_check(longname, 254) != NULL, "254 characters");
    /* The length counts after the wildcard. */
    memmove(longname + 3, longname, 253);
    memcpy(longname, "**.", 3);
    CHECK_STR(tg_host_pattern_check(longname, 256), NULL, "**. + 253 characters");
    CHECK(tg_host_pattern_check(longname, 257) != NULL, "**. + 254 characters");
}

/* ---- first match wins across pattern kinds ----------------------------- */

struct want {
    const char *host;
    int block;
    enum tg_mode mode;
    int min_protocol;
    size_t pin_count;
    unsigned char first_pin;
};

static void run_lookups(const char *name, const char *text, const struct want *w, size_t n)
{
    struct tg_diags d;
    struct tg_policy *p = tg_policy_parse(text, strlen(text), name, &d);
    size_t i;

    if (!CHECK(p != NULL && d.warnings == 0, name)) {
        tg_policy_free(p);
        tg_diags_free(&d);
        return;
    }
    for (i = 0; i < n; i++) {
        struct tg_host_settings s, lin;
        char ctx[300];

        snprintf(ctx, sizeof(ctx), "%s: %s", name, w[i].host);
        tg_policy_lookup(p, w[i].host, &s);
        tg_policy_lookup_linear(p, w[i].host, &lin);
        CHECK(unit_same_settings(&s, &lin), ctx);
        CHECK_INT(s.block_index, w[i].block, ctx);
        CHECK_INT(s.mode, w[i].mode, ctx);
        CHECK_INT(s.min_protocol, w[i].min_protocol, ctx);
        CHECK_INT(s.pin_count, w[i].pin_count, ctx);
        if (s.pin_count > 0 && w[i].pin_count > 0)
            CHECK_INT(s.pins[0].sha256[0], w[i].first_pin, ctx);
    }
    tg_policy_free(p);
    tg_diags_free(&d);
}

/* Most specific first, as people usually write it. */
static const char specific_first[] = "host a.example.com\n" /* block 0 */
                                     "  mode audit\n"
                                     "host *.example.com\n" /* block 1 */
                                     "  min-protocol TLSv1.3\n"
                                     "  pin " PIN_11 "\n  pin " PIN_22 "\n"
                                     "host **.example.com\n" /* block 2 */
                                     "  mode enforce\n"
                                     "  min-protocol TLSv1.2\n"
                                     "  pin " PIN_33 "\n  pin " PIN_44 "\n"
                                     "host example.com 192.0.2.7 2001:db8::7\n" /* block 3 */
                                     "  mode audit\n";

static const struct want specific_first_want[] = {
    { "a.example.com", 0, TG_MODE_AUDIT, TG_TLS1_3, 2, 0x11 },
    { "A.Example.Com.", 0, TG_MODE_AUDIT, TG_TLS1_3, 2, 0x11 },
    { "b.example.com", 1, TG_MODE_ENFORCE, TG_TLS1_3, 2, 0x11 },
    { "example.com", 2, TG_MODE_ENFORCE, TG_TLS1_2, 2, 0x33 },
    { "x.a.example.com", 2, TG_MODE_ENFORCE, TG_TLS1_2, 2, 0x33 },
    { "x.y.z.example.com", 2, TG_MODE_ENFORCE, TG_TLS1_2, 2, 0x33 },
    { "192.0.2.7", 3, TG_MODE_AUDIT, TG_TLS1_2, 0, 0 },
    { "[2001:db8:0::7]", 3, TG_MODE_AUDIT, TG_TLS1_2, 0, 0 },
    { "192.0.2.8", -1, TG_MODE_ENFORCE, TG_TLS1_2, 0, 0 },
    { "example.org", -1, TG_MODE_ENFORCE, TG_TLS1_2, 0, 0 },
    { "com", -1, TG_MODE_ENFORCE, TG_TLS1_2, 0, 0 },
};

/* Broad first: a later exact block cannot override what it sets. */
static const char broad_first[] = "mode audit\n"
                                  "host **.example.com\n" /* block 0 */
                                  "  mode audit\n"
                                  "  pin " PIN_11 "\n  pin " PIN_22 "\n"
                                  "host *.example.com\n" /* block 1 */
                                  "  min-protocol TLSv1.3\n"
                                  "host a.example.com www.example.net\n" /* block 2 */
                                  "  mode enforce\n"
                                  "  pin " PIN_33 "\n  pin " PIN_44 "\n"
                                  "host **.example.net\n" /* block 3 */
                                  "  min-protocol TLSv1.3\n";

static const struct want broad_first_want[] = {
    { "a.example.com", 0, TG_MODE_AUDIT, TG_TLS1_3, 2, 0x11 },
    { "example.com", 0, TG_MODE_AUDIT, TG_TLS1_2, 2, 0x11 },
    { "a.b.example.com", 0, TG_MODE_AUDIT, TG_TLS1_2, 2, 0x11 },
    /* block 2 is first for www.example.net; mode from it, protocol from block 3 */
    { "www.example.net", 2, TG_MODE_ENFORCE, TG_TLS1_3, 2, 0x33 },
    { "ftp.example.net", 3, TG_MODE_AUDIT, TG_TLS1_3, 0, 0 },
    { "other.org", -1, TG_MODE_AUDIT, TG_TLS1_2, 0, 0 },
};

/* The same suffix under different kinds, and keys that are suffixes of others. */
static const char suffixes[] = "host *.b.c\n" /* block 0 */
                               "  mode audit\n"
                               "host **.c\n" /* block 1 */
                               "  min-protocol TLSv1.3\n"
                               "host b.c\n" /* block 2 */
                               "  mode audit\n"
                               "host **.b.c\n" /* block 3 */
                               "  pin " PIN_11 "\n  pin " PIN_22 "\n"
                               "host *.c\n"; /* block 4 */

static const struct want suffixes_want[] = {
    { "a.b.c", 0, TG_MODE_AUDIT, TG_TLS1_3, 2, 0x11 },
    { "b.c", 1, TG_MODE_AUDIT, TG_TLS1_3, 2, 0x11 },
    { "x.a.b.c", 1, TG_MODE_ENFORCE, TG_TLS1_3, 2, 0x11 },
    { "c", 1, TG_MODE_ENFORCE, TG_TLS1_3, 0, 0 },
    { "d.c", 1, TG_MODE_ENFORCE, TG_TLS1_3, 0, 0 },
    { "bb.c", 1, TG_MODE_ENFORCE, TG_TLS1_3, 0, 0 },
    { "cc", -1, TG_MODE_ENFORCE, TG_TLS1_2, 0, 0 },
};

static void test_first_match(void)
{
    run_lookups("specific-first", specific_first, specific_first_want,
                sizeof(specific_first_want) / sizeof(specific_first_want[0]));
    run_lookups("broad-first", broad_first, broad_first_want,
                sizeof(broad_first_want) / sizeof(broad_first_want[0]));
    run_lookups("suffixes", suffixes, suffixes_want,
                sizeof(suffixes_want) / sizeof(suffixes_want[0]));
}

/* Index and scan agree on odd names, long names and names with many labels. */
static void test_odd_hosts(void)
{
    static const char text[] = "host **.a.a\n mode audit\n"
                               "host *.a\n min-protocol TLSv1.3\n"
                               "host a\n mode enforce\n"
                               "host ::1\n mode audit\n";
    static const char *hosts[] = {
        "a",  "a.a",    "a.a.a", ".a",     "..a", "a..a",  ".a.a", "a.",   "a..",     ".",
        "..", "A.A.A.", "*.a",   "**.a.a", "::1", "[::1]", "[::1", "::1.", "x:y.a.a", "\xff.a",
    };
    struct tg_policy *p = tg_policy_parse(text, strlen(text), "odd", NULL);
    struct tg_host_settings s, lin;
    char *big;
    size_t i;

    if (!CHECK(p != NULL, "odd policy"))
        return;
    for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        tg_policy_lookup(p, hosts[i], &s);
        tg_policy_lookup_linear(p, hosts[i], &lin);
        CHECK(unit_same_settings(&s, &lin), hosts[i]);
    }
    /* 2000 labels: far past DNS limits, still answered, and correctly. */
    big = malloc(4001);
    for (i = 0; i < 2000; i++)
        memcpy(big + 2 * i, "a.", 2);
    big[3999] = '\0';
    tg_policy_lookup(p, big, &s);
    tg_policy_lookup_linear(p, big, &lin);
    CHECK(unit_same_settings(&s, &lin), "2000 labels");
    CHECK_INT(s.block_index, 0, "2000 labels");
    free(big);
    tg_policy_free(p);
}

int main(void)
{
    test_match();
    test_check();
    test_first_match();
    test_odd_hosts();
    return unit_finish();
}
