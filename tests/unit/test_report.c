/*
 * Unit tests for tools/report_parse.c and tools/report.c: which lines are
 * the shim's (behind syslog, journal and program prefixes), what a record
 * holds, how records group, and what the JSON says. Table-driven.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "unit.h"

#define LINE(action, host, port, proto, reason)                                                    \
    "tlsguard: time=2026-12-01T10:00:00Z pid=42 program=curl action=" action " host=" host         \
    " port=" port " protocol=" proto " cipher=- reason=\"" reason "\""

/* A line that is no record: only its kind is checked. */
#define NOREC(n, l, k)                                                                             \
    {                                                                                              \
        .name = n, .line = l, .want = k                                                            \
    }

static const struct parse_test {
    const char *name;
    const char *line;
    enum tg_line_kind want;
    const char *action, *host, *port, *protocol, *program, *reason;
} parse_tests[] = {
    { "the shim's own line", LINE("block", "localhost", "4433", "-", "self-signed") "\n",
      TG_LINE_RECORD, "block", "localhost", "4433", "-", "curl", "self-signed" },
    { "CRLF", LINE("audit", "a.example", "443", "TLSv1.2", "would block: x") "\r\n", TG_LINE_RECORD,
      "audit", "a.example", "443", "TLSv1.2", "curl", "would block: x" },
    { "classic syslog prefix",
      "Dec  1 20:57:01 web1 tlsguard[4242]: time=2026-12-01T20:57:01Z pid=4242 program=wget "
      "action=notice host=- port=- protocol=- cipher=- reason=\"pins expired\"",
      TG_LINE_RECORD, "notice", "-", "-", "-", "wget", "pins expired" },
    { "ISO syslog prefix",
      "2026-12-01T20:57:01.123456+00:00 web2 tlsguard[7]: time=2026-12-01T20:57:01Z pid=7 "
      "program=python3 action=allow host=api.example port=8443 protocol=TLSv1.3 cipher=X "
      "reason=\"verified\"",
      TG_LINE_RECORD, "allow", "api.example", "8443", "TLSv1.3", "python3", "verified" },
    { "journalctl -o cat: no ident",
      "time=2026-12-01T20:57:01Z pid=9 program=curl action=block host=h port=1 protocol=- "
      "cipher=- reason=\"r\"",
      TG_LINE_RECORD, "block", "h", "1", "-", "curl", "r" },
    { "glued to curl's progress meter",
      "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0" LINE(
          "block", "localhost", "1", "-", "self-signed"),
      TG_LINE_RECORD, "block", "localhost", "1", "-", "curl", "self-signed" },
    { "unknown field skipped",
      "tlsguard: time=T pid=1 program=p action=block host=h port=2 sni=h protocol=- cipher=- "
      "reason=\"r\"",
      TG_LINE_RECORD, "block", "h", "2", "-", "p", "r" },
    { "reason cut short (line limit)",
      "tlsguard: time=T pid=1 program=p action=block host=h port=2 protocol=- cipher=- "
      "reason=\"certificate verif",
      TG_LINE_RECORD, "block", "h", "2", "-", "p", "certificate verif" },
    { "a time= word inside a reason is not a second start",
      "tlsguard: time=T pid=1 program=p action=block host=h port=2 protocol=- cipher=- "
      "reason=\"x time=y\"",
      TG_LINE_RECORD, "block", "h", "2", "-", "p", "x time=y" },
    { "missing fields default to -", "tlsguard: time=T action=allow host=h", TG_LINE_RECORD,
      "allow", "h", "-", "-", "-", "" },
    NOREC("unknown action", LINE("explode", "h", "1", "-", "r"), TG_LINE_MALFORMED),
    NOREC("no action", "tlsguard: time=T pid=1 host=h port=1", TG_LINE_MALFORMED),
    NOREC("no host", "tlsguard: time=T pid=1 action=block port=1", TG_LINE_MALFORMED),
    NOREC("pid not a number", "tlsguard: time=T pid=x1 action=block host=h", TG_LINE_MALFORMED),
    NOREC("a word without =", "tlsguard: time=T action=block host=h junk", TG_LINE_MALFORMED),
    NOREC("a field twice", "tlsguard: time=T action=block host=h host=i", TG_LINE_MALFORMED),
    NOREC("a quote inside a plain value", "tlsguard: time=T action=block host=h\"x",
          TG_LINE_MALFORMED),
    NOREC("text glued after the reason", "tlsguard: time=T action=block host=h reason=\"r\"x",
          TG_LINE_MALFORMED),
    NOREC(
        "host too long for the shim to have written",
        "tlsguard: time=T action=block host="
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        TG_LINE_MALFORMED),
    NOREC("bare time= garbage (journal)", "time=x", TG_LINE_MALFORMED),
    NOREC("the shim's error line", "tlsguard: error: no usable libssl found", TG_LINE_ERROR),
    NOREC("its error line in syslog", "Dec  1 1:2:3 h tlsguard[3]: error: cannot register",
          TG_LINE_ERROR),
    NOREC("the CLI's own message", "tlsguard run: the policy does not load", TG_LINE_OTHER),
    NOREC("ping's time=", "64 bytes from 1.2.3.4: icmp_seq=1 ttl=64 time=0.05 ms", TG_LINE_OTHER),
    NOREC("another program in syslog", "Dec  1 1:2:3 h sshd[3]: Accepted key", TG_LINE_OTHER),
    NOREC("blank", "  \t\r\n", TG_LINE_BLANK),
    NOREC("empty", "", TG_LINE_BLANK),
};

static void test_parse(void)
{
    for (size_t i = 0; i < sizeof parse_tests / sizeof *parse_tests; i++) {
        const struct parse_test *t = &parse_tests[i];
        struct tg_log_record r;
        enum tg_line_kind k = tg_report_parse_line(t->line, strlen(t->line), &r);
        CHECK_INT(k, t->want, t->name);
        if (k != TG_LINE_RECORD || t->want != TG_LINE_RECORD)
            continue;
        CHECK_STR(r.action, t->action, t->name);
        CHECK_STR(r.host, t->host, t->name);
        CHECK_STR(r.port, t->port, t->name);
        CHECK_STR(r.protocol, t->protocol, t->name);
        if (t->program[0])
            CHECK_STR(r.program, t->program, t->name);
        if (t->reason[0])
            CHECK_STR(r.reason, t->reason, t->name);
    }
    /* A line longer than any the shim writes is not taken apart. */
    size_t n = TG_REPORT_MAX_LINE + 100;
    char *big = malloc(n + 1);
    struct tg_log_record r;
    if (CHECK(big != NULL, NULL)) {
        memset(big, 'a', n);
        memcpy(big, "tlsguard: time=T action=block host=h reason=\"", 46);
        big[n] = '\0';
        CHECK_INT(tg_report_parse_line(big, n, &r), TG_LINE_MALFORMED, "over-long line");
        free(big);
    }
}

/* What the report prints, as a string. */
static char *json_of(const struct tg_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    tg_report_print_json(rep, f, NULL);
    fclose(f);
    return buf;
}

static void test_aggregate(void)
{
    static const char *const lines[] = {
        LINE("block", "localhost", "4433", "-", "self-signed"),
        "Dec  1 20:57:01 web1 tlsguard[1]: time=2026-12-01T09:00:00Z pid=1 program=wget "
        "action=block host=localhost port=4433 protocol=- cipher=- reason=\"expired\"",
        LINE("block", "localhost", "4433", "-", "self-signed"),
        LINE("audit", "localhost", "4433", "-", "would block: x"),
        LINE("allow", "api.example", "443", "TLSv1.3", "verified"),
        LINE("notice", "-", "-", "-", "child /bin/x is static"),
        "tlsguard: time=T action=explode host=h",
        "tlsguard: error: no libssl",
        "random \"text\" \x01 here",
    };
    struct tg_report *rep = tg_report_new();
    if (!CHECK(rep != NULL, NULL))
        return;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        char where[32];
        snprintf(where, sizeof where, "t:%zu", i + 1);
        tg_report_add_line(rep, lines[i], strlen(lines[i]), where);
    }
    const struct tg_report_counts *c = tg_report_counts(rep);
    CHECK_INT(c->lines, 9, NULL);
    CHECK_INT(c->records, 6, NULL);
    CHECK_INT(c->blocked, 3, NULL);
    CHECK_INT(c->audit, 1, NULL);
    CHECK_INT(c->allowed, 1, NULL);
    CHECK_INT(c->notices, 1, NULL);
    CHECK_INT(c->malformed, 1, NULL);
    CHECK_INT(c->errors, 1, NULL);
    CHECK_INT(c->other, 1, NULL);
    CHECK_STR(tg_report_first_malformed(rep), "t:7", NULL);
    CHECK_INT(tg_report_fails(rep, "block"), 1, NULL);
    CHECK_INT(tg_report_fails(rep, NULL), 0, NULL);

    char *js = json_of(rep);
    if (CHECK(js != NULL, NULL)) {
        /* One record per host/port/protocol/verdict; blocks first; reasons
         * most frequent first; the earliest and latest time. */
        const char *want = "{\"host\": \"localhost\", \"port\": 4433, \"protocol\": null, "
                           "\"verdict\": \"block\", \"count\": 3, \"reasons\": [{\"reason\": "
                           "\"self-signed\", \"count\": 2}, {\"reason\": \"expired\", \"count\": "
                           "1}], \"programs\": [{\"program\": \"curl\", \"count\": 2}, "
                           "{\"program\": \"wget\", \"count\": 1}], \"first_seen\": "
                           "\"2026-12-01T09:00:00Z\", \"last_seen\": \"2026-12-01T10:00:00Z\"}";
        CHECK(strstr(js, want) != NULL, js);
        CHECK(strstr(js, "\"summary\": {\"connections\": 5, \"allowed\": 1, \"blocked\": 3, "
                         "\"audit\": 1, \"notices\": 1}") != NULL,
              js);
        CHECK(strstr(js, "{\"host\": null, \"port\": null, \"protocol\": null, \"verdict\": "
                         "\"notice\"") != NULL,
              js);
        CHECK(strstr(js, "\"verdict\": \"block\"") < strstr(js, "\"verdict\": \"audit\""), js);
        CHECK(strstr(js, "\"verdict\": \"audit\"") < strstr(js, "\"verdict\": \"notice\""), js);
        CHECK(strstr(js, "\"verdict\": \"notice\"") < strstr(js, "\"verdict\": \"allow\""), js);
        free(js);
    }
    tg_report_free(rep);
}

/* Logs are anybody's text: JSON stays valid (escapes, UTF-8), and many
 * distinct reasons do not grow a row without bound. */
static void test_hostile(void)
{
    struct tg_report *rep = tg_report_new();
    char line[512];
    if (!CHECK(rep != NULL, NULL))
        return;
    const char *odd = "tlsguard: time=T action=block host=h\xff\xc3\xa9 program=a\\b "
                      "reason=\"tab\there \xe2\x82\"";
    CHECK_INT(tg_report_add_line(rep, odd, strlen(odd), "t:1"), TG_LINE_RECORD, NULL);
    const char *tab = "tlsguard: time=T action=block host=a\tb port=1";
    CHECK_INT(tg_report_add_line(rep, tab, strlen(tab), "t:2"), TG_LINE_RECORD, NULL);
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof line, "tlsguard: time=T action=audit host=x reason=\"r%d\"", i);
        tg_report_add_line(rep, line, strlen(line), NULL);
    }
    char *js = json_of(rep);
    if (CHECK(js != NULL, NULL)) {
        CHECK(strstr(js, "\"host\": \"h\\ufffd\xc3\xa9\"") != NULL, js);
        CHECK(strstr(js, "\"program\": \"a\\\\b\"") != NULL, js);
        CHECK(strstr(js, "\"reason\": \"tab?here \\ufffd\\ufffd\"") != NULL, js);
        CHECK(strstr(js, "{\"host\": \"a?b\", \"port\": 1, \"protocol\": null, \"verdict\": "
                         "\"block\"") != NULL,
              "a tab in a value does not split the key");
        CHECK(strstr(js, "\"reason\": \"(other)\"") != NULL, "past 32 reasons: (other)");
        CHECK(strstr(js, "\"count\": 100,") != NULL, js);
        free(js);
    }
    tg_report_free(rep);
}

int main(void)
{
    test_parse();
    test_aggregate();
    test_hostile();
    return unit_finish();
}
