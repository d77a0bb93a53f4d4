/*
 * Unit tests for the policy parser's limits: the line length, pins per
 * block, patterns per line and buffer sizes; IPv6 patterns kept canonical;
 * control characters at every position of a line.  (Directives, errors and
 * warnings: test_policy.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "test_policy.h"
#include "unit.h"

/* A line of exactly 4096 bytes is fine; 4097 is not; CRLF does not count. */
static void test_line_limit(void)
{
    char *buf = malloc(8192);
    struct tg_diags d;
    struct tg_policy *p;
    size_t n;

    memcpy(buf, "# ", 2);
    memset(buf + 2, 'x', 4094);
    memcpy(buf + 4096, "\r\n", 2);
    p = tg_policy_parse(buf, 4098, "t", &d);
    CHECK(p != NULL, "4096-byte comment line with CRLF");
    tg_policy_free(p);
    tg_diags_free(&d);

    buf[4096] = 'x';
    buf[4097] = '\n';
    n = 4098;
    p = tg_policy_parse(buf, n, "t", &d);
    CHECK(p == NULL, "4097-byte line");
    CHECK(has_diag(&d, 1, 0, "longer than 4096"), NULL);
    tg_diags_free(&d);
    free(buf);
}

/* Pins per block, patterns per line, and the size of a buffer. */
static void test_limits(void)
{
    char *text = malloc(80 * 70 + 64), pin[64], *big;
    struct tg_diags d;
    struct tg_policy *p;
    struct tg_host_settings s;
    size_t n = 0, i;

    n += (size_t)sprintf(text, "host a.com\n");
    for (i = 0; i < 65; i++) {
        unit_pin((unsigned char)i, pin);
        n += (size_t)sprintf(text + n, " pin %s\n", pin);
    }
    p = tg_policy_parse(text, n, "t", &d);
    CHECK(p == NULL, "65 pins");
    CHECK(has_diag(&d, 66, 0, "too many pins in one host block (at most 64)"), NULL);
    CHECK_INT(d.errors, 1, NULL);
    tg_diags_free(&d);
    /* 64 are fine */
    p = tg_policy_parse(text, n - strlen(pin) - 6, "t", &d);
    if (CHECK(p != NULL, "64 pins")) {
        tg_policy_lookup(p, "a.com", &s);
        CHECK_INT(s.pin_count, 64, NULL);
        CHECK_INT(s.pins[63].sha256[31], 63, NULL);
    }
    tg_policy_free(p);
    tg_diags_free(&d);
    free(text);

    /* A host line with 1000 patterns (the line limit allows ~2000). */
    text = malloc(5000);
    n = (size_t)sprintf(text, "host");
    for (i = 0; i < 1000; i++)
        n += (size_t)sprintf(text + n, " %c%zu", 'a' + (int)(i % 26), i / 26);
    n += (size_t)sprintf(text + n, "\n mode audit\n");
    p = tg_policy_parse(text, n, "t", &d);
    if (CHECK(p != NULL, "1000 patterns on a line")) {
        tg_policy_lookup(p, "L38", &s); /* the last: i = 999 = 38 * 26 + 11 */
        CHECK_INT(s.block_index, 0, "l38");
        CHECK_INT(s.mode, TG_MODE_AUDIT, "l38");
        tg_policy_lookup(p, "a39", &s);
        CHECK_INT(s.block_index, -1, "a39");
    }
    tg_policy_free(p);
    tg_diags_free(&d);
    free(text);

    /* A buffer over 4 MiB is refused as a whole, like a file. */
    big = malloc(TG_POLICY_MAX_FILE + 1);
    memset(big, '\n', TG_POLICY_MAX_FILE + 1);
    p = tg_policy_parse(big, TG_POLICY_MAX_FILE + 1, "t", &d);
    CHECK(p == NULL, "4 MiB + 1 buffer");
    CHECK(has_diag(&d, 0, 0, "larger than 4 MiB"), NULL);
    tg_diags_free(&d);
    p = tg_policy_parse(big, TG_POLICY_MAX_FILE, "t", &d);
    CHECK(p != NULL, "4 MiB of newlines");
    tg_policy_free(p);
    tg_diags_free(&d);
    free(big);
}

/* IPv6 patterns are kept canonical, so any spelling of the address matches. */
static void test_ipv6(void)
{
    static const char text[] = "host 2001:DB8:0:0::1 [::1]\n mode audit\n";
    static const char *same[] = { "2001:db8::1", "2001:0db8:0000::0001", "[2001:db8::1]",
                                  "::1",         "0:0:0:0:0:0:0:1",      "[::1]." };
    static const char *other[] = { "2001:db8::2", "::2", "2001.db8..1" };
    struct tg_policy *p = tg_policy_parse(text, strlen(text), "t", NULL);
    struct tg_host_settings s;
    size_t i;

    if (!CHECK(p != NULL, "ipv6 policy"))
        return;
    for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        tg_policy_lookup(p, same[i], &s);
        CHECK_INT(s.block_index, 0, same[i]);
    }
    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        tg_policy_lookup(p, other[i], &s);
        CHECK_INT(s.block_index, -1, other[i]);
    }
    tg_policy_free(p);
}

/* Control characters are found at every position of a line (the check reads
 * eight bytes at a time, then the tail); tab and bytes >= 0x80 are fine. */
static void test_control_scan(void)
{
    static const unsigned char bad[] = { 0x01, 0x0b, 0x0d, 0x1f, 0x7f };
    static const unsigned char good[] = { '\t', ' ', 0x80, 0xc3, 0xfe, 0xff, '~' };
    char line[64], ctx[64], want[64];
    struct tg_diags d;
    struct tg_policy *p;
    size_t pos, k;

    for (pos = 1; pos < 41; pos++) {
        for (k = 0; k < sizeof(bad); k++) {
            memset(line, 'x', 41);
            line[0] = '#';
            line[pos] = (char)bad[k];
            p = tg_policy_parse(line, 41, "t", &d);
            snprintf(ctx, sizeof(ctx), "0x%02x at %zu", bad[k], pos);
            snprintf(want, sizeof(want), "control character (0x%02x)", bad[k]);
            /* a CR at the very end is a line ending, not content */
            if (bad[k] == 0x0d && pos == 40)
                CHECK(p != NULL, ctx);
            else
                CHECK(p == NULL && has_diag(&d, 1, 0, want), ctx);
            tg_policy_free(p);
            tg_diags_free(&d);
        }
        for (k = 0; k < sizeof(good); k++) {
            memset(line, 'x', 41);
            line[0] = '#';
            line[pos] = (char)good[k];
            p = tg_policy_parse(line, 41, "t", &d);
            snprintf(ctx, sizeof(ctx), "0x%02x at %zu", good[k], pos);
            CHECK(p != NULL, ctx);
            tg_policy_free(p);
            tg_diags_free(&d);
        }
    }
    /* Non-ASCII bytes in a path are kept as they are. */
    p = parse("ca-file /etc/\xc3\xa9.pem\n", &d);
    if (CHECK(p != NULL, "UTF-8 path"))
        CHECK_STR(tg_policy_global(p)->ca_file, "/etc/\xc3\xa9.pem", NULL);
    tg_policy_free(p);
    tg_diags_free(&d);
}

int main(void)
{
    test_line_limit();
    test_limits();
    test_control_scan();
    test_ipv6();
    return unit_finish();
}
