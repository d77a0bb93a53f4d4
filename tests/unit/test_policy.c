/*
 * Unit tests for the policy parser, settings resolution, base64, and policy
 * file loading.  Table-driven, in the manner of libtls's configtest.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "unit.h"

#define PIN_11 "sha256/ERERERERERERERERERERERERERERERERERERERERERE="
#define PIN_22 "sha256/IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="
#define PIN_33 "sha256/MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM="
#define PIN_44 "sha256/REREREREREREREREREREREREREREREREREREREREREQ="

/* Parse a NUL-terminated policy text. */
static struct tg_policy *
parse(const char *text, struct tg_diags *d)
{
	return tg_policy_parse(text, strlen(text), "t.policy", d);
}

/* Does d hold a diagnostic of this kind at line whose message contains sub? */
static int
has_diag(const struct tg_diags *d, int line, int is_warning, const char *sub)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		if (d->items[i].line == line && d->items[i].is_warning == is_warning &&
		    strstr(d->items[i].message, sub) != NULL)
			return 1;
	return 0;
}

static void
dump_diags(const struct tg_diags *d, char *buf, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < d->count && used + 1 < n; i++) {
		int r = tg_diag_format(d, i, buf + used, n - used);

		if (r < 0 || (size_t)r >= n - used - 1)
			break;
		used += (size_t)r;
		buf[used++] = '|';
		buf[used] = '\0';
	}
}

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
	{ .name = "empty", .text = "", .min_protocol = TG_TLS1_2, .mode = TG_MODE_ENFORCE,
	  .log_kind = TG_LOG_STDERR },
	{ .name = "only comments and blanks", .text = "# hello\n\n   \t\n  # indented\n",
	  .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_STDERR },
	{ .name = "all globals",
	  .text = "min-protocol TLSv1.3\nmode audit\nca-file /etc/ca.pem\nca-dir /etc/ca.d\n"
	          "log /var/log/tlsguard.log\nlog-allowed yes\n",
	  .min_protocol = TG_TLS1_3, .mode = TG_MODE_AUDIT, .ca_file = "/etc/ca.pem",
	  .ca_dir = "/etc/ca.d", .log_kind = TG_LOG_FILE, .log_path = "/var/log/tlsguard.log",
	  .log_allowed = 1 },
	{ .name = "explicit defaults",
	  .text = "min-protocol TLSv1.2\nmode enforce\nlog stderr\nlog-allowed no\n",
	  .min_protocol = TG_TLS1_2, .mode = TG_MODE_ENFORCE, .log_kind = TG_LOG_STDERR },
	{ .name = "log syslog", .text = "log syslog\n", .min_protocol = TG_TLS1_2,
	  .log_kind = TG_LOG_SYSLOG },
	{ .name = "log none", .text = "log none", .min_protocol = TG_TLS1_2,
	  .log_kind = TG_LOG_NONE },
	{ .name = "trailing comments",
	  .text = "mode audit # audit first\nlog none\t# quiet\nhost a.com # the a\n"
	          "  pin " PIN_11 " # primary\n  pin " PIN_22 "\t#backup\n",
	  .blocks = 1, .min_protocol = TG_TLS1_2, .mode = TG_MODE_AUDIT, .log_kind = TG_LOG_NONE },
	{ .name = "host block with every host directive",
	  .text = "host example.com *.example.org **.example.net 192.0.2.1 ::1\n"
	          "\tpin " PIN_11 "\n\tpin " PIN_22 "\n\tpin-expires 2030-01-31\n"
	          "\tmode audit\n\tmin-protocol TLSv1.3\n",
	  .blocks = 1, .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_STDERR },
	{ .name = "per-host ca-file and ca-dir leave the global ones alone",
	  .text = "ca-file /etc/ca.pem\nhost a.com\n  ca-file /etc/a.pem\n  ca-dir /etc/a.d\n"
	          "host b.com\n  ca-file /etc/b.pem\n",
	  .blocks = 2, .min_protocol = TG_TLS1_2, .ca_file = "/etc/ca.pem",
	  .log_kind = TG_LOG_STDERR },
	{ .name = "empty host block allowed", .text = "host a.com\nhost b.com\n  mode audit\n",
	  .blocks = 2, .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_STDERR },
	{ .name = "CRLF line endings",
	  .text = "mode audit\r\nhost a.com\r\n  pin " PIN_11 "\r\n  pin " PIN_22 "\r\n",
	  .blocks = 1, .min_protocol = TG_TLS1_2, .mode = TG_MODE_AUDIT, .log_kind = TG_LOG_STDERR },
	{ .name = "no final newline, CR at EOF", .text = "mode audit\r",
	  .min_protocol = TG_TLS1_2, .mode = TG_MODE_AUDIT, .log_kind = TG_LOG_STDERR },
	{ .name = "single pin warns", .text = "host a.com\n  pin " PIN_11 "\n", .warnings = 1,
	  .blocks = 1, .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_STDERR },
	{ .name = "duplicate pin warns and counts once",
	  .text = "host a.com\n  pin " PIN_11 "\n  pin " PIN_11 "\n", .warnings = 2,
	  .blocks = 1, .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_STDERR },
	{ .name = "pin-expires without pins warns",
	  .text = "host a.com\n  pin-expires 2030-01-01\n", .warnings = 1,
	  .blocks = 1, .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_STDERR },
	{ .name = "same pattern in two blocks",
	  .text = "host a.com\n mode audit\nhost a.com\n mode enforce\n",
	  .blocks = 2, .min_protocol = TG_TLS1_2, .log_kind = TG_LOG_STDERR },
	{ .name = "host-level directives in several blocks do not clash",
	  .text = "mode audit\nhost a.com\n mode audit\nhost b.com\n mode enforce\n",
	  .blocks = 2, .min_protocol = TG_TLS1_2, .mode = TG_MODE_AUDIT,
	  .log_kind = TG_LOG_STDERR },
};

static void
test_valid(void)
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
		tg_policy_lookup(p, NULL, &none);     /* the global values of per-host settings */
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
	size_t len;          /* 0: strlen(text) */
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
	{ "pin without prefix", "host a.com\n pin ERERERERERERERERERERERERERERERERERERERERERE=\n",
	  0, 2, "pin must be sha256/ followed by the base64 of 32 bytes" },
	{ "sha1 pin", "host a.com\n pin sha1/ERERERERERERERERERERERERERE=\n", 0, 2,
	  "pin must be sha256/ followed by the base64 of 32 bytes" },
	{ "pin bad base64 char", "host a.com\n pin sha256/ERERERERERERERERERERERERERERERERERERERERER!=\n",
	  0, 2, "not valid base64" },
	{ "pin without padding", "host a.com\n pin sha256/ERERERERERERERERERERERERERERERERERERERERERE\n",
	  0, 2, "not valid base64" },
	{ "pin non-canonical last symbol",
	  "host a.com\n pin sha256/ERERERERERERERERERERERERERERERERERERERERERF=\n", 0, 2,
	  "not valid base64" },
	{ "pin url-safe alphabet", "host a.com\n pin sha256/-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-=\n",
	  0, 2, "not valid base64" },
	{ "pin of 31 bytes", "host a.com\n pin sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
	  0, 2, "pin must be sha256/ followed by the base64 of 32 bytes (this one decodes to 31 bytes)" },
	{ "pin of 33 bytes", "host a.com\n pin sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	  0, 2, "decodes to 33 bytes" },
	{ "pin of 0 bytes", "host a.com\n pin sha256/\n", 0, 2, "decodes to 0 bytes" },
	{ "pin far too long", "host a.com\n pin sha256/"
	  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	  0, 2, "pin must be sha256/ followed by the base64 of 32 bytes" },
	{ "bad date format", "host a.com\n pin-expires 2030-1-31\n", 0, 2,
	  "pin-expires must be a date YYYY-MM-DD" },
	{ "date with trailing junk", "host a.com\n pin-expires 2030-01-311\n", 0, 2,
	  "pin-expires must be a date YYYY-MM-DD" },
	{ "date slash", "host a.com\n pin-expires 2030/01/31\n", 0, 2, "YYYY-MM-DD" },
	{ "Feb 30", "host a.com\n pin-expires 2030-02-30\n", 0, 2, "not a valid calendar date" },
	{ "Feb 29 non-leap", "host a.com\n pin-expires 2100-02-29\n", 0, 2, "not a valid calendar date" },
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
	{ "unindented global after host is still in the block", "host a.com\nmode audit\nlog none\n",
	  0, 3, "directive log is not allowed inside a host block" },
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
	{ "duplicate pin-expires", "host a.com\n pin-expires 2030-01-01\n pin-expires 2031-01-01\n",
	  0, 3, "duplicate pin-expires in this host block" },
	{ "host without pattern", "mode audit\nhost\n", 0, 2, "host needs at least one pattern" },
	{ "host without pattern, comment", "host # nothing\n", 0, 1, "host needs at least one pattern" },
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
	{ "error after many good lines", "host a.com\n mode audit\nhost b.com\n\n\n\n mode bogus\n",
	  0, 7, "mode must be enforce or audit, not 'bogus'" },
	{ "error in block after bad host line", "host a*.com\n  pin-expires 2030-01-01\n  log none\n",
	  0, 3, "directive log is not allowed inside a host block" },
};

static void
test_errors(void)
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

		if (text == NULL) {          /* the long-line case */
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
static void
test_error_collection(void)
{
	static const char text[] =
	    "mode bogus\n"                 /* 1 */
	    "host a.com\n"                 /* 2 */
	    "  pin sha256/AAAA\n"          /* 3 */
	    "  colour blue\n"              /* 4 */
	    "  log none\n"                 /* 5 */
	    "host\n";                      /* 6 */
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

/* A line of exactly 4096 bytes is fine; 4097 is not; CRLF does not count. */
static void
test_line_limit(void)
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
static void
test_limits(void)
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
		tg_policy_lookup(p, "L38", &s);        /* the last: i = 999 = 38 * 26 + 11 */
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
static void
test_ipv6(void)
{
	static const char text[] = "host 2001:DB8:0:0::1 [::1]\n mode audit\n";
	static const char *same[] = { "2001:db8::1", "2001:0db8:0000::0001", "[2001:db8::1]",
	                              "::1", "0:0:0:0:0:0:0:1", "[::1]." };
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
static void
test_control_scan(void)
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

/* ---- warnings --------------------------------------------------------- */

static void
test_warnings(void)
{
	static const char text[] =
	    "host a.com\n"
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
	CHECK(has_diag(&d, 1, 1, "host block has a single pin: add a backup pin, "
	               "or a key rotation will lock clients out"), NULL);
	CHECK(has_diag(&d, 8, 1, "single pin"), NULL);
	CHECK(tg_diag_format(&d, 0, line, sizeof(line)) > 0, NULL);
	CHECK_STR(line, "t.policy:1: warning: host block has a single pin: add a backup pin, "
	          "or a key rotation will lock clients out", NULL);
	tg_policy_free(p);
	tg_diags_free(&d);
}

static void
test_format(void)
{
	struct tg_diags d;
	char buf[300], tiny[8];
	struct tg_policy *p;

	p = tg_policy_parse("mode x\n", 7, "/etc/tlsguard.policy", &d);
	CHECK(p == NULL, NULL);
	CHECK(tg_diag_format(&d, 0, buf, sizeof(buf)) > 0, NULL);
	CHECK_STR(buf, "/etc/tlsguard.policy:1: mode must be enforce or audit, not 'x'", NULL);
	CHECK_INT(tg_diag_format(&d, 1, buf, sizeof(buf)), -1, NULL);
	CHECK_INT(tg_diag_format(&d, 0, tiny, sizeof(tiny)), (int)strlen(
	          "/etc/tlsguard.policy:1: mode must be enforce or audit, not 'x'"), NULL);
	CHECK_STR(tiny, "/etc/tl", NULL);
	tg_diags_free(&d);
	CHECK_INT(d.count, 0, NULL);
	tg_diags_free(&d);              /* twice is harmless */
	tg_diags_free(NULL);

	p = tg_policy_parse("mode x\n", 7, NULL, &d);
	CHECK(tg_diag_format(&d, 0, buf, sizeof(buf)) > 0, NULL);
	CHECK_STR(buf, "(policy):1: mode must be enforce or audit, not 'x'", NULL);
	tg_diags_free(&d);
	tg_policy_free(p);
}

/* ---- resolution: host block, then global, then defaults -------------- */

static const char resolve_text[] =
    "min-protocol TLSv1.3\n"               /* 1 */
    "host pinned.example.com\n"            /* 2: block 0 */
    "  pin " PIN_11 "\n"
    "  pin " PIN_22 "\n"
    "  pin-expires 2024-02-29\n"
    "host audit.example.com\n"             /* 6: block 1 */
    "  mode audit\n"
    "  min-protocol TLSv1.2\n"
    "host **.example.com\n"                /* 9: block 2 */
    "  pin " PIN_33 "\n"
    "  pin " PIN_44 "\n"
    "  pin " PIN_11 "\n"
    "host empty.example.org\n";            /* 13: block 3 */

static const struct resolve_test {
	const char *host;
	int min_protocol;
	enum tg_mode mode;
	size_t pin_count;
	unsigned char first_pin;
	long long expire;
	int block, line;
} resolve_tests[] = {
	{ .host = "pinned.example.com", .min_protocol = TG_TLS1_3, .pin_count = 2,
	  .first_pin = 0x11, .expire = 1709251200, .block = 0, .line = 2 },
	{ .host = "PINNED.Example.COM.", .min_protocol = TG_TLS1_3, .pin_count = 2,
	  .first_pin = 0x11, .expire = 1709251200, .block = 0, .line = 2 },
	/* audit.example.com: mode and protocol from block 1, pins from block 2 */
	{ .host = "audit.example.com", .min_protocol = TG_TLS1_2, .mode = TG_MODE_AUDIT,
	  .pin_count = 3, .first_pin = 0x33, .expire = -1, .block = 1, .line = 6 },
	{ .host = "other.example.com", .min_protocol = TG_TLS1_3, .pin_count = 3,
	  .first_pin = 0x33, .expire = -1, .block = 2, .line = 9 },
	{ .host = "example.com", .min_protocol = TG_TLS1_3, .pin_count = 3,
	  .first_pin = 0x33, .expire = -1, .block = 2, .line = 9 },
	/* matched by an empty block: everything from global/defaults */
	{ .host = "empty.example.org", .min_protocol = TG_TLS1_3, .expire = -1,
	  .block = 3, .line = 13 },
	{ .host = "example.org", .min_protocol = TG_TLS1_3, .expire = -1, .block = -1 },
	{ .host = "", .min_protocol = TG_TLS1_3, .expire = -1, .block = -1 },
	{ .host = NULL, .min_protocol = TG_TLS1_3, .expire = -1, .block = -1 },
};

static void
check_settings(const struct tg_host_settings *s, const struct resolve_test *t, const char *ctx)
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

static void
test_resolve(void)
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
    "ca-file /etc/global.pem\n"            /* 1 */
    "host internal.example\n"              /* 2: block 0 */
    "  ca-file /etc/internal.pem\n"
    "host dironly.example\n"               /* 4: block 1 */
    "  ca-dir /etc/dironly.d\n"
    "  mode audit\n"
    "host both.example\n"                  /* 7: block 2 */
    "  ca-dir /etc/both.d\n"
    "  ca-file /etc/both.pem\n"
    "host modeonly.example\n"              /* 10: block 3 */
    "  mode audit\n"
    "host *.wild.example\n"                /* 12: block 4 */
    "  ca-file /etc/wild.pem\n"
    "host a.wild.example modeonly.example\n"  /* 14: block 5: later, ca-dir only */
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
	{ .host = "both.example", .ca_file = "/etc/both.pem", .ca_dir = "/etc/both.d",
	  .ca_line = 7, .block = 2 },
	/* a first block without anchors: they come from the next matching block that has some */
	{ .host = "modeonly.example", .ca_dir = "/etc/late.d", .ca_line = 14, .block = 3 },
	/* ca-file and ca-dir come together: block 4's file, not block 5's directory too */
	{ .host = "a.wild.example", .ca_file = "/etc/wild.pem", .ca_line = 12, .block = 4 },
	{ .host = "b.wild.example", .ca_file = "/etc/wild.pem", .ca_line = 12, .block = 4 },
	{ .host = "wild.example", .block = -1 },
	{ .host = "127.0.0.1", .block = -1 },
	{ .host = NULL, .block = -1 },
};

static void
check_host_ca(const struct tg_host_settings *s, const struct host_ca_test *t, const char *ctx)
{
	CHECK_STR(s->ca_file, t->ca_file, ctx);
	CHECK_STR(s->ca_dir, t->ca_dir, ctx);
	CHECK_INT(s->ca_line, t->ca_line, ctx);
	CHECK_INT(s->block_index, t->block, ctx);
}

static void
test_host_ca(void)
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

/* pin-expires: unix time of 00:00 UTC on the following day. */
static const struct date_test {
	const char *date;
	long long want;
} date_tests[] = {
	{ "1970-01-01", 86400 },
	{ "2024-02-29", 1709251200 },          /* 2024-03-01T00:00:00Z */
	{ "2023-12-31", 1704067200 },          /* 2024-01-01T00:00:00Z */
	{ "2000-02-29", 951868800 },           /* 2000-03-01T00:00:00Z */
	{ "2038-01-19", 2147558400 },          /* past 2^31 */
	{ "9999-12-31", 253402300800 },
};

static void
test_dates(void)
{
	size_t i;

	for (i = 0; i < sizeof(date_tests) / sizeof(date_tests[0]); i++) {
		char text[200];
		struct tg_diags d;
		struct tg_policy *p;
		struct tg_host_settings s;

		snprintf(text, sizeof(text), "host a\n pin " PIN_11 "\n pin " PIN_22
		         "\n pin-expires %s\n", date_tests[i].date);
		p = parse(text, &d);
		if (CHECK(p != NULL, date_tests[i].date)) {
			tg_policy_lookup(p, "a", &s);
			CHECK_INT(s.pins_expire_at, date_tests[i].want, date_tests[i].date);
		}
		tg_policy_free(p);
		tg_diags_free(&d);
	}
}

/* ---- base64 ----------------------------------------------------------- */

static const struct b64_test {
	const char *in;
	int ret;
	size_t len;
	const char *out;
} b64_tests[] = {
	{ "", 0, 0, "" },
	{ "Zg==", 0, 1, "f" },
	{ "Zm8=", 0, 2, "fo" },
	{ "Zm9v", 0, 3, "foo" },
	{ "Zm9vYg==", 0, 4, "foob" },
	{ "Zm9vYmE=", 0, 5, "fooba" },
	{ "Zm9vYmFy", 0, 6, "foobar" },
	{ "+/+/", 0, 3, "\xfb\xff\xbf" },
	{ "Zg", -1, 0, NULL },                 /* padding required */
	{ "Zg=", -1, 0, NULL },
	{ "Zg===", -1, 0, NULL },
	{ "====", -1, 0, NULL },
	{ "Z===", -1, 0, NULL },
	{ "Zh==", -1, 0, NULL },               /* non-zero unused bits */
	{ "Zm9=", -1, 0, NULL },
	{ "Zm=v", -1, 0, NULL },               /* '=' in the middle */
	{ "Zg==Zg==", -1, 0, NULL },
	{ "Zm9v\n", -1, 0, NULL },
	{ " Zm9", -1, 0, NULL },
	{ "Zm-_", -1, 0, NULL },               /* base64url is not accepted */
	{ "Zm9\x80", -1, 0, NULL },
};

static void
test_base64(void)
{
	unsigned char out[64], small[2];
	size_t i, n;

	for (i = 0; i < sizeof(b64_tests) / sizeof(b64_tests[0]); i++) {
		const struct b64_test *t = &b64_tests[i];
		int r = tg_base64_decode(t->in, strlen(t->in), out, sizeof(out), &n);

		CHECK_INT(r, t->ret, t->in);
		if (r == 0 && t->ret == 0) {
			CHECK_INT(n, t->len, t->in);
			CHECK(memcmp(out, t->out, t->len) == 0, t->in);
		}
	}
	CHECK_INT(tg_base64_decode("Zm9v", 4, small, sizeof(small), &n), -2, "too small");
	CHECK_INT(tg_base64_decode("Zm8=", 4, small, sizeof(small), &n), 0, "exactly fits");
	/* Round trip of every byte value through the test encoder. */
	{
		unsigned char raw[256], back[256];
		char enc[400];

		for (i = 0; i < 256; i++)
			raw[i] = (unsigned char)i;
		for (i = 0; i <= 256; i += 37) {
			unit_base64(raw + (256 - i), i, enc);
			CHECK_INT(tg_base64_decode(enc, strlen(enc), back, sizeof(back), &n), 0, enc);
			CHECK(n == i && memcmp(back, raw + (256 - i), i) == 0, enc);
		}
	}
}

/* ---- policy files ------------------------------------------------------ */

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror(path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);                /* not subject to the umask */
}

static int
first_diag_has(const struct tg_diags *d, const char *sub)
{
	return d->count > 0 && d->items[0].line == 0 && strstr(d->items[0].message, sub) != NULL;
}

static void
test_files(void)
{
	char dir[] = "/tmp/tg_unit_XXXXXX", path[300], link[300], other[300], buf[600];
	struct tg_diags d;
	struct tg_policy *p;
	char *big;

	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/good.policy", dir);
	snprintf(link, sizeof(link), "%s/link.policy", dir);
	snprintf(other, sizeof(other), "%s/other.policy", dir);

	write_file(path, "mode audit\nhost a.com\n pin " PIN_11 "\n pin " PIN_22 "\n", 0644);
	p = tg_policy_load_file(path, &d);
	CHECK(p != NULL, "0644 file loads");
	if (p != NULL) {
		struct tg_host_settings none;

		tg_policy_lookup(p, NULL, &none);
		CHECK_INT(none.mode, TG_MODE_AUDIT, NULL);
	}
	tg_policy_free(p);
	tg_diags_free(&d);

	/* Errors in a file carry its name. */
	write_file(other, "mode audit\nmode x\n", 0600);
	p = tg_policy_load_file(other, &d);
	CHECK(p == NULL, NULL);
	tg_diag_format(&d, 0, buf, sizeof(buf));
	CHECK(strstr(buf, "/other.policy:2: duplicate mode") != NULL, buf);
	tg_diags_free(&d);

	/* A symlink is followed; the file reached is what is checked. */
	CHECK(symlink(path, link) == 0, "symlink");
	p = tg_policy_load_file(link, &d);
	CHECK(p != NULL, "symlink to a good file loads");
	tg_policy_free(p);
	tg_diags_free(&d);

	chmod(path, 0666);
	p = tg_policy_load_file(link, &d);
	CHECK(p == NULL, "symlink to a world-writable file");
	CHECK(first_diag_has(&d, "refusing policy: writable by others (mode 0666)"), NULL);
	tg_diags_free(&d);

	p = tg_policy_load_file(path, &d);
	CHECK(p == NULL, "world-writable file");
	tg_diag_format(&d, 0, buf, sizeof(buf));
	CHECK(strstr(buf, "/good.policy: refusing policy: writable by others") != NULL, buf);
	tg_diags_free(&d);

	chmod(path, 0620);
	p = tg_policy_load_file(path, &d);
	CHECK(p == NULL, "group-writable file");
	CHECK(first_diag_has(&d, "writable by others (mode 0620)"), NULL);
	tg_diags_free(&d);

	chmod(path, 0602);
	p = tg_policy_load_file(path, &d);
	CHECK(p == NULL, "other-writable file");
	tg_diags_free(&d);

	chmod(path, 0400);
	p = tg_policy_load_file(path, &d);
	CHECK(p != NULL, "read-only file loads");
	tg_policy_free(p);
	tg_diags_free(&d);

	/* Owned by someone else (only root can arrange that). */
	if (geteuid() == 0) {
		CHECK(chown(path, 12345, 12345) == 0, "chown");
		p = tg_policy_load_file(path, &d);
		CHECK(p == NULL, "file owned by another user");
		CHECK(first_diag_has(&d, "owned by uid 12345"), NULL);
		tg_diags_free(&d);
		CHECK(chown(path, 0, 0) == 0, "chown back");
	}

	snprintf(buf, sizeof(buf), "%s/missing.policy", dir);
	p = tg_policy_load_file(buf, &d);
	CHECK(p == NULL, "missing file");
	tg_diag_format(&d, 0, buf, sizeof(buf));
	CHECK(strstr(buf, "/missing.policy: cannot open policy: No such file or directory") != NULL,
	      buf);
	tg_diags_free(&d);

	p = tg_policy_load_file(dir, &d);
	CHECK(p == NULL, "directory");
	CHECK(first_diag_has(&d, "not a regular file"), NULL);
	tg_diags_free(&d);

	/* A FIFO is refused at once, not waited on. */
	snprintf(buf, sizeof(buf), "%s/fifo", dir);
	if (CHECK(mkfifo(buf, 0600) == 0, "mkfifo")) {
		p = tg_policy_load_file(buf, &d);
		CHECK(p == NULL, "fifo");
		CHECK(first_diag_has(&d, "not a regular file"), NULL);
		tg_diags_free(&d);
		unlink(buf);
	}

	p = tg_policy_load_file("", &d);
	CHECK(p == NULL, "empty name");
	tg_diags_free(&d);

	/* 4 MiB is the limit: a file of comments just over it is refused. */
	big = malloc(TG_POLICY_MAX_FILE + 2);
	memset(big, '#', TG_POLICY_MAX_FILE + 1);
	{
		size_t i;

		for (i = 1000; i < TG_POLICY_MAX_FILE + 1; i += 1000)
			big[i] = '\n';
	}
	big[TG_POLICY_MAX_FILE + 1] = '\0';
	write_file(other, big, 0600);
	p = tg_policy_load_file(other, &d);
	CHECK(p == NULL, "4 MiB + 1 byte");
	CHECK(first_diag_has(&d, "larger than 4 MiB"), NULL);
	tg_diags_free(&d);
	big[TG_POLICY_MAX_FILE] = '\0';
	write_file(other, big, 0600);
	p = tg_policy_load_file(other, &d);
	CHECK(p != NULL, "exactly 4 MiB");
	tg_policy_free(p);
	tg_diags_free(&d);
	free(big);

	unlink(link);
	unlink(path);
	unlink(other);
	rmdir(dir);
}

/* ---- 10 000 blocks ------------------------------------------------------ */

#define NBLOCKS 10000

/*
 * Block i: host h<i>.example.com *.w<i>.example.org **.a<i>.example.net
 *   mode audit when i is odd, min-protocol TLSv1.3 when i % 3 == 0,
 *   two pins (bytes i % 200 + 1, and 255) when i % 5 == 0.
 * Last block (index NBLOCKS): host **.example.com, two pins (0xee, 0xef).
 */
static char *
big_policy(size_t *len)
{
	size_t cap = (size_t)NBLOCKS * 256 + 1024, n = 0, i;
	char *s = malloc(cap);
	char pin[64], pin2[64];

	unit_pin(255, pin2);
	for (i = 0; i < NBLOCKS; i++) {
		n += (size_t)snprintf(s + n, cap - n,
		                      "host h%zu.example.com *.w%zu.example.org **.a%zu.example.net\n",
		                      i, i, i);
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
static int
big_expected(const struct tg_host_settings *s, int block, int via_last)
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
static void
check_big(const struct tg_policy *p, const char *host, int block, int via_last)
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

static void
test_many_blocks(void)
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
			snprintf(host, sizeof(host), "w%zu.example.org", i);      /* *. needs a label */
			check_big(p, host, -1, 0);
			snprintf(host, sizeof(host), "x.y.w%zu.example.org", i);  /* and only one */
			check_big(p, host, -1, 0);
			snprintf(host, sizeof(host), "xa%zu.example.net", i);     /* no partial label */
			check_big(p, host, -1, 0);
			snprintf(host, sizeof(host), "x.h%zu.example.com", i);    /* falls to **. */
			check_big(p, host, -1, 1);
		}
	}
	check_big(p, "example.com", -1, 1);
	check_big(p, "h10000.example.com", -1, 1);
	check_big(p, "example.net", -1, 0);
	tg_policy_free(p);
	tg_diags_free(&d);
}

int
main(void)
{
	test_valid();
	test_errors();
	test_error_collection();
	test_line_limit();
	test_limits();
	test_control_scan();
	test_ipv6();
	test_warnings();
	test_format();
	test_resolve();
	test_host_ca();
	test_dates();
	test_base64();
	test_files();
	test_many_blocks();
	return unit_finish();
}
