/*
 * Unit tests for the policy parser: every directive, every class of error
 * with its line and message, warnings.  Table-driven, in the manner of
 * libtls's configtest.c.  (Limits, IPv6 patterns and control characters:
 * test_policy_limits.c; lookups: test_policy_lookup.c; dates, base64 and
 * files: test_policy_file.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "test_policy.h"
#include "unit.h"

/* ---- valid policies: every directive -------------------------------- */

static const struct valid_test {
    const char *name;
    const char *text;
    int warnings;
    size_t blocks;
    int min_protocol;
    enum tg_mode mode;
    const char *ca_file, *ca_dir;
    enum tg_log_kind log_kind;
    const char *log_path;
    int log_allowed;
} valid_tests[] = {
    { .name = "empty",
      .text = "",
      .min_protocol = TG_TLS1_2,
      .mode = TG_MODE_ENFORCE,
      .log_kind = TG_LOG_STDERR },
    { .name = "only comments and blanks",
      .text = "# hello\n\n   \t\n  # indented\n",
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_STDERR },
    { .name = "all globals",
      .text = "min-protocol TLSv1.3\nmode audit\nca-file /etc/ca.pem\nca-dir /etc/ca.d\n"
              "log /var/log/tlsguard.log\nlog-allowed yes\n",
      .min_protocol = TG_TLS1_3,
      .mode = TG_MODE_AUDIT,
      .ca_file = "/etc/ca.pem",
      .ca_dir = "/etc/ca.d",
      .log_kind = TG_LOG_FILE,
      .log_path = "/var/log/tlsguard.log",
      .log_allowed = 1 },
    { .name = "explicit defaults",
      .text = "min-protocol TLSv1.2\nmode enforce\nlog stderr\nlog-allowed no\n",
      .min_protocol = TG_TLS1_2,
      .mode = TG_MODE_ENFORCE,
      .log_kind = TG_LOG_STDERR },
    { .name = "log syslog",
      .text = "log syslog\n",
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_SYSLOG },
    { .name = "log none", .text = "log none", .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_NONE },
    { .name = "trailing comments",
      .text = "mode audit # audit first\nlog none\t# quiet\nhost a.com # the a\n"
              "  pin " PIN_11 " # primary\n  pin " PIN_22 "\t#backup\n",
      .blocks = 1,
      .min_protocol = TG_TLS1_2,
      .mode = TG_MODE_AUDIT,
      .log_kind = TG_LOG_NONE },
    { .name = "host block with every host directive",
      .text = "host example.com *.example.org **.example.net 192.0.2.1 ::1\n"
              "\tpin " PIN_11 "\n\tpin " PIN_22 "\n\tpin-expires 2030-01-31\n"
              "\tmode audit\n\tmin-protocol TLSv1.3\n",
      .blocks = 1,
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_STDERR },
    { .name = "per-host ca-file and ca-dir leave the global ones alone",
      .text = "ca-file /etc/ca.pem\nhost a.com\n  ca-file /etc/a.pem\n  ca-dir /etc/a.d\n"
              "host b.com\n  ca-file /etc/b.pem\n",
      .blocks = 2,
      .min_protocol = TG_TLS1_2,
      .ca_file = "/etc/ca.pem",
      .log_kind = TG_LOG_STDERR },
    { .name = "empty host block allowed",
      .text = "host a.com\nhost b.com\n  mode audit\n",
      .blocks = 2,
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_STDERR },
    { .name = "CRLF line endings",
      .text = "mode audit\r\nhost a.com\r\n  pin " PIN_11 "\r\n  pin " PIN_22 "\r\n",
      .blocks = 1,
      .min_protocol = TG_TLS1_2,
      .mode = TG_MODE_AUDIT,
      .log_kind = TG_LOG_STDERR },
    { .name = "no final newline, CR at EOF",
      .text = "mode audit\r",
      .min_protocol = TG_TLS1_2,
      .mode = TG_MODE_AUDIT,
      .log_kind = TG_LOG_STDERR },
    { .name = "single pin warns",
      .text = "host a.com\n  pin " PIN_11 "\n",
      .warnings = 1,
      .blocks = 1,
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_STDERR },
    { .name = "duplicate pin warns and counts once",
      .text = "host a.com\n  pin " PIN_11 "\n  pin " PIN_11 "\n",
      .warnings = 2,
      .blocks = 1,
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_STDERR },
    { .name = "pin-expires without pins warns",
      .text = "host a.com\n  pin-expires 2030-01-01\n",
      .warnings = 1,
      .blocks = 1,
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_STDERR },
    { .name = "same pattern in two blocks",
      .text = "host a.com\n mode audit\nhost a.com\n mode enforce\n",
      .blocks = 2,
      .min_protocol = TG_TLS1_2,
      .log_kind = TG_LOG_STDERR },
    { .name = "host-level directives in several blocks do not clash",
      .text = "mode audit\nhost a.com\n mode audit\nhost b.com\n mode enforce\n",
      .blocks = 2,
      .min_protocol = TG_TLS1_2,
      .mode = TG_MODE_AUDIT,
      .log_kind = TG_LOG_STDERR },
};

static void test_valid(void)
{
    size_t i;

    for (i = 0; i < sizeof(valid_tests) / sizeof(valid_tests[0]); i++) {
        const struct valid_test *t = &valid_tests[i];
        struct tg_diags d;
        struct tg_policy *p = parse(t->text, &d);
        const struct tg_global *g;
        struct tg_host_settings none;
        char ctx[2048];

        snprintf(ctx, sizeof(ctx), "%s: ", t->name);
        dump_diags(&d, ctx + strlen(ctx), sizeof(ctx) - strlen(ctx));
        if (!CHECK(p != NULL, ctx)) {
            tg_diags_free(&d);
            continue;
        }
        CHECK_INT(d.errors, 0, ctx);
        CHECK_INT(d.warnings, t->warnings, ctx);
        CHECK_INT(tg_policy_block_count(p), t->blocks, ctx);
        g = tg_policy_global(p);
        tg_policy_lookup(p, NULL, &none); /* the global values of per-host settings */
        CHECK_INT(none.min_protocol, t->min_protocol, ctx);
        CHECK_INT(none.mode, t->mode, ctx);
        CHECK_STR(g->ca_file, t->ca_file, ctx);
        CHECK_STR(g->ca_dir, t->ca_dir, ctx);
        CHECK_INT(g->log_kind, t->log_kind, ctx);
        CHECK_STR(g->log_path, t->log_path, ctx);
        CHECK_INT(g->log_allowed, t->log_allowed, ctx);
        tg_policy_free(p);
        tg_diags_free(&d);
    }
}

/* ---- errors: each class, with its line and message ------------------- */

static const struct error_test {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen(text) */
    int line;
    const char *msg;
} error_tests[] = {
    { "unknown directive", "mode audit\nmin-protcol TLSv1.3\n", 0, 2,
      "unknown directive 'min-protcol'" },
    { "keywords are case-sensitive", "Mode audit\n", 0, 1, "unknown directive 'Mode'" },
    { "unknown directive in host block", "host a.com\n  pins " PIN_11 "\n", 0, 2,
      "unknown directive 'pins'" },
    { "missing argument", "\n\nmode\n", 0, 3, "mode needs an argument" },
    { "extra argument", "min-protocol TLSv1.2 TLSv1.3\n", 0, 1,
      "min-protocol takes exactly one argument" },
    { "extra argument to pin", "host a.com\npin " PIN_11 " " PIN_22 "\n", 0, 2,
      "pin takes exactly one argument" },
    { "old protocol", "min-protocol TLSv1.1\n", 0, 1,
      "min-protocol must be TLSv1.2 or TLSv1.3, not 'TLSv1.1'" },
    { "protocol is case-sensitive", "min-protocol tlsv1.2\n", 0, 1, "must be TLSv1.2 or TLSv1.3" },
    { "bad mode", "mode permissive\n", 0, 1, "mode must be enforce or audit" },
    { "bad mode in host", "host a.com\n mode Audit\n", 0, 2, "mode must be enforce or audit" },
    { "bad host min-protocol", "host a.com\n min-protocol SSLv3\n", 0, 2,
      "must be TLSv1.2 or TLSv1.3" },
    { "bad log", "log stdout\n", 0, 1, "log must be stderr, syslog, none or an absolute path" },
    { "relative log path", "log var/log/x\n", 0, 1, "absolute path" },
    { "bad log-allowed", "log-allowed true\n", 0, 1, "log-allowed must be yes or no" },
    { "relative ca-file", "ca-file ca.pem\n", 0, 1, "ca-file must be an absolute path" },
    { "relative ca-dir", "ca-dir ./certs\n", 0, 1, "ca-dir must be an absolute path" },
    { "pin without prefix", "host a.com\n pin ERERERERERERERERERERERERERERERERERERERERERE=\n", 0, 2,
      "pin must be sha256/ followed by the base64 of 32 bytes" },
    { "sha1 pin", "host a.com\n pin sha1/ERERERERERERERERERERERERERE=\n", 0, 2,
      "pin must be sha256/ followed by the base64 of 32 bytes" },
    { "pin bad base64 char",
      "host a.com\n pin sha256/ERERERERERERERERERERERERERERERERERERERERER!=\n", 0, 2,
      "not valid base64" },
    { "pin without padding",
      "host a.com\n pin sha256/ERERERERERERERERERERERERERERERERERERERERERE\n", 0, 2,
      "not valid base64" },
    { "pin non-canonical last symbol",
      "host a.com\n pin sha256/ERERERERERERERERERERERERERERERERERERERERERF=\n", 0, 2,
      "not valid base64" },
    { "pin url-safe alphabet",
      "host a.com\n pin sha256/-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-=\n", 0, 2,
      "not valid base64" },
    { "pin of 31 bytes", "host a.com\n pin sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
      0, 2,
      "pin must be sha256/ followed by the base64 of 32 bytes (this one decodes to 31 bytes)" },
    { "pin of 33 bytes", "host a.com\n pin sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
      0, 2, "decodes to 33 bytes" },
    { "pin of 0 bytes", "host a.com\n pin sha256/\n", 0, 2, "decodes to 0 bytes" },
    { "pin far too long",
      "host a.com\n pin sha256/"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
      0, 2, "pin must be sha256/ followed by the base64 of 32 bytes" },
    { "bad date format", "host a.com\n pin-expires 2030-1-31\n", 0, 2,
      "pin-expires must be a date YYYY-MM-DD" },
    { "date with trailing junk", "host a.com\n pin-expires 2030-01-311\n", 0, 2,
      "pin-expires must be a date YYYY-MM-DD" },
    { "date slash", "host a.com\n pin-expires 2030/01/31\n", 0, 2, "YYYY-MM-DD" },
    { "Feb 30", "host a.com\n pin-expires 2030-02-30\n", 0, 2, "not a valid calendar date" },
    { "Feb 29 non-leap", "host a.com\n pin-expires 2100-02-29\n", 0, 2,
      "not a valid calendar date" },
    { "month 13", "host a.com\n pin-expires 2030-13-01\n", 0, 2, "not a valid calendar date" },
    { "day 0", "host a.com\n pin-expires 2030-01-00\n", 0, 2, "not a valid calendar date" },
    { "April 31", "host a.com\n pin-expires 2030-04-31\n", 0, 2, "not a valid calendar date" },
    { "before 1970", "host a.com\n pin-expires 1969-12-31\n", 0, 2, "not a valid calendar date" },
    { "pin outside host", "pin " PIN_11 "\n", 0, 1,
      "directive pin is only allowed inside a host block" },
    { "pin-expires outside host", "# c\npin-expires 2030-01-01\n", 0, 2,
      "directive pin-expires is only allowed inside a host block" },
    { "relative ca-file in host", "host a.com\n  ca-file x.pem\n", 0, 2,
      "ca-file must be an absolute path, not 'x.pem'" },
    { "relative ca-dir in host", "host a.com\n  ca-dir certs\n", 0, 2,
      "ca-dir must be an absolute path" },
    { "duplicate ca-file in host", "ca-file /g\nhost a.com\n ca-file /a\n ca-file /b\n", 0, 4,
      "duplicate ca-file in this host block (first set on line 3)" },
    { "duplicate ca-dir in host", "host a.com\n ca-dir /a\n ca-dir /b\n", 0, 3,
      "duplicate ca-dir in this host block" },
    { "ca-file in host needs an argument", "host a.com\n ca-file\n", 0, 2,
      "ca-file needs an argument" },
    { "log in host", "host a.com\n  log none\n", 0, 2,
      "directive log is not allowed inside a host block" },
    { "log-allowed in host", "host a.com\nlog-allowed yes\n", 0, 2,
      "directive log-allowed is not allowed inside a host block" },
    { "unindented global after host is still in the block", "host a.com\nmode audit\nlog none\n", 0,
      3, "directive log is not allowed inside a host block" },
    { "duplicate global mode", "mode audit\n\nmode enforce\n", 0, 3,
      "duplicate mode (first set on line 1)" },
    { "duplicate global min-protocol", "min-protocol TLSv1.2\nmin-protocol TLSv1.2\n", 0, 2,
      "duplicate min-protocol" },
    { "duplicate ca-file", "ca-file /a\nca-file /b\n", 0, 2, "duplicate ca-file" },
    { "duplicate ca-dir", "ca-dir /a\nca-dir /b\n", 0, 2, "duplicate ca-dir" },
    { "duplicate log", "log none\nlog syslog\n", 0, 2, "duplicate log" },
    { "duplicate log-allowed", "log-allowed no\nlog-allowed no\n", 0, 2, "duplicate log-allowed" },
    { "duplicate host mode", "host a.com\n mode audit\n mode audit\n", 0, 3,
      "duplicate mode in this host block (first set on line 2)" },
    { "duplicate host min-protocol", "host a.com\n min-protocol TLSv1.3\n min-protocol TLSv1.2\n",
      0, 3, "duplicate min-protocol in this host block" },
    { "duplicate pin-expires", "host a.com\n pin-expires 2030-01-01\n pin-expires 2031-01-01\n", 0,
      3, "duplicate pin-expires in this host block" },
    { "host without pattern", "mode audit\nhost\n", 0, 2, "host needs at least one pattern" },
    { "host without pattern, comment", "host # nothing\n", 0, 1,
      "host needs at least one pattern" },
    { "bad pattern: inner wildcard", "host a.*.com\n", 0, 1, "invalid host pattern 'a.*.com'" },
    { "bad pattern: partial wildcard", "host *foo.com\n", 0, 1, "invalid host pattern '*foo.com'" },
    { "bad pattern: bare star", "host *\n", 0, 1, "invalid host pattern '*'" },
    { "bad pattern: empty label", "host a..com\n", 0, 1, "empty label" },
    { "bad pattern: leading dot", "host .a.com\n", 0, 1, "empty label" },
    { "bad pattern: trailing dot", "host a.com.\n", 0, 1, "empty label" },
    { "bad pattern: underscore", "host a_b.com\n", 0, 1, "invalid character" },
    { "bad pattern: second of three", "host ok.com b@d.com fine.com\n", 0, 1,
      "invalid host pattern 'b@d.com'" },
    { "bad pattern: wildcard over IP", "host *.0.0.1\n", 0, 1, "cannot match an IP address" },
    { "bad pattern: bad IPv6", "host ::g\n", 0, 1, "not a valid IPv6 address" },
    { "a comment needs whitespace before it", "host a.com\n pin " PIN_11 "#primary\n", 0, 2,
      "not valid base64" },
    { "line too long", NULL, 0, 2, "line is longer than 4096 bytes" },
    { "NUL byte", "mode audit\nlog\0none\n", 21, 2, "NUL byte" },
    { "NUL byte in comment", "# a\0b\n", 6, 1, "NUL byte" },
    { "control character", "mode\vaudit\n", 0, 1, "control character (0x0b)" },
    { "bare CR inside a line", "mode audit\r\r\n", 0, 1, "control character (0x0d)" },
    { "error after many good lines", "host a.com\n mode audit\nhost b.com\n\n\n\n mode bogus\n", 0,
      7, "mode must be enforce or audit, not 'bogus'" },
    { "error in block after bad host line", "host a*.com\n  pin-expires 2030-01-01\n  log none\n",
      0, 3, "directive log is not allowed inside a host block" },
};

static void test_errors(void)
{
    size_t i;

    for (i = 0; i < sizeof(error_tests) / sizeof(error_tests[0]); i++) {
        const struct error_test *t = &error_tests[i];
        char *owned = NULL;
        const char *text = t->text;
        size_t len = t->len;
        struct tg_diags d;
        struct tg_policy *p;
        char ctx[2048];

        if (text == NULL) { /* the long-line case */
            owned = malloc(5000);
            memcpy(owned, "mode audit\nlog ", 15);
            memset(owned + 15, 'x', 4100);
            memcpy(owned + 4115, "\nlog none\n", 11);
            text = owned;
        }
        if (len == 0)
            len = strlen(text);
        p = tg_policy_parse(text, len, "t.policy", &d);
        snprintf(ctx, sizeof(ctx), "%s: ", t->name);
        dump_diags(&d, ctx + strlen(ctx), sizeof(ctx) - strlen(ctx));
        CHECK(p == NULL, ctx);
        CHECK(d.errors >= 1, ctx);
        CHECK(has_diag(&d, t->line, 0, t->msg), ctx);
        tg_policy_free(p);
        tg_diags_free(&d);
        free(owned);
    }
}

/* A policy with many errors reports them all, each at its line. */
static void test_error_collection(void)
{
    static const char text[] = "mode bogus\n"        /* 1 */
                               "host a.com\n"        /* 2 */
                               "  pin sha256/AAAA\n" /* 3 */
                               "  colour blue\n"     /* 4 */
                               "  log none\n"        /* 5 */
                               "host\n";             /* 6 */
    struct tg_diags d;
    struct tg_policy *p = parse(text, &d);
    char *big;
    size_t i;

    CHECK(p == NULL, NULL);
    CHECK_INT(d.errors, 5, NULL);
    CHECK(has_diag(&d, 1, 0, "mode must be"), NULL);
    CHECK(has_diag(&d, 3, 0, "32 bytes"), NULL);
    CHECK(has_diag(&d, 4, 0, "unknown directive 'colour'"), NULL);
    CHECK(has_diag(&d, 5, 0, "not allowed inside a host block"), NULL);
    CHECK(has_diag(&d, 6, 0, "at least one pattern"), NULL);
    tg_diags_free(&d);

    /* Past the cap the diagnostics are counted but not kept. */
    big = malloc(300 * 6 + 1);
    for (i = 0; i < 300; i++)
        memcpy(big + i * 6, "bogus\n", 6);
    p = tg_policy_parse(big, 300 * 6, "big", &d);
    CHECK(p == NULL, NULL);
    CHECK_INT(d.count, TG_POLICY_MAX_DIAGS, NULL);
    CHECK_INT(d.errors, 300, NULL);
    CHECK(d.truncated, NULL);
    CHECK(has_diag(&d, 100, 0, "unknown directive 'bogus'"), NULL);
    tg_diags_free(&d);
    free(big);

    /* A NUL anywhere is reported once, even when there are several. */
    p = tg_policy_parse("a\0\nb\0\n", 6, "nul", &d);
    CHECK(p == NULL, NULL);
    CHECK_INT(d.errors, 1, NULL);
    tg_diags_free(&d);

    /* Parsing with no diagnostics wanted. */
    CHECK(tg_policy_parse("bogus", 5, NULL, NULL) == NULL, NULL);
    p = tg_policy_parse("mode audit", 10, NULL, NULL);
    CHECK(p != NULL, NULL);
    tg_policy_free(p);
}

/* ---- warnings --------------------------------------------------------- */

static void test_warnings(void)
{
    static const char text[] = "host a.com\n"
                               "  pin " PIN_11 "\n"
                               "host b.com\n"
                               "  pin " PIN_11 "\n"
                               "  pin " PIN_22 "\n"
                               "host c.com\n"
                               "  mode audit\n"
                               "host d.com\n"
                               "  pin " PIN_33 "\n";
    struct tg_diags d;
    struct tg_policy *p = parse(text, &d);
    char line[512];

    CHECK(p != NULL, NULL);
    CHECK_INT(d.errors, 0, NULL);
    CHECK_INT(d.warnings, 2, NULL);
    CHECK(has_diag(&d, 1, 1,
                   "host block has a single pin: add a backup pin, "
                   "or a key rotation will lock clients out"),
          NULL);
    CHECK(has_diag(&d, 8, 1, "single pin"), NULL);
    CHECK(tg_diag_format(&d, 0, line, sizeof(line)) > 0, NULL);
    CHECK_STR(line,
              "t.policy:1: warning: host block has a single pin: add a backup pin, "
              "or a key rotation will lock clients out",
              NULL);
    tg_policy_free(p);
    tg_diags_free(&d);
}

static void test_format(void)
{
    struct tg_diags d;
    char buf[300], tiny[8];
    struct tg_policy *p;

    p = tg_policy_parse("mode x\n", 7, "/etc/tlsguard.policy", &d);
    CHECK(p == NULL, NULL);
    CHECK(tg_diag_format(&d, 0, buf, sizeof(buf)) > 0, NULL);
    CHECK_STR(buf, "/etc/tlsguard.policy:1: mode must be enforce or audit, not 'x'", NULL);
    CHECK_INT(tg_diag_format(&d, 1, buf, sizeof(buf)), -1, NULL);
    CHECK_INT(tg_diag_format(&d, 0, tiny, sizeof(tiny)),
              (int)strlen("/etc/tlsguard.policy:1: mode must be enforce or audit, not 'x'"), NULL);
    CHECK_STR(tiny, "/etc/tl", NULL);
    tg_diags_free(&d);
    CHECK_INT(d.count, 0, NULL);
    tg_diags_free(&d); /* twice is harmless */
    tg_diags_free(NULL);

    p = tg_policy_parse("mode x\n", 7, NULL, &d);
    CHECK(tg_diag_format(&d, 0, buf, sizeof(buf)) > 0, NULL);
    CHECK_STR(buf, "(policy):1: mode must be enforce or audit, not 'x'", NULL);
    tg_diags_free(&d);
    tg_policy_free(p);
}

int main(void)
{
    test_valid();
    test_errors();
    test_error_collection();
    test_warnings();
    test_format();
    return unit_finish();
}
