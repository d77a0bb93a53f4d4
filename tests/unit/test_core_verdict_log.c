/*
 * test_core_verdict_log.c — a verdict made visible (shim/core/verdict_log.c) through
 * a fake backend: block, audit ("would block"), allow, the expired-pins
 * notice, once per handshake; the program's error text.
 */
#include "log.h"
#include "verdict_log.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct tg_backend_conn {
    const char *sni;
};

static void fake_names(struct tg_backend_conn *bc, const char *matched, struct tg_name_facts *f)
{
    (void)matched;
    f->sni = bc->sni;
}

static int fake_socket(struct tg_backend_conn *bc)
{
    (void)bc;
    return -1;
}

static void fake_negotiated(struct tg_backend_conn *bc, struct tg_negotiated *n)
{
    (void)bc;
    n->protocol = "TLSv1.2";
    n->suite = "ECDHE-RSA-AES128-GCM-SHA256";
}

static const struct tg_backend fake = {
    .name = "fake",
    .names = fake_names,
    .socket = fake_socket,
    .negotiated = fake_negotiated,
};

static char log_path[] = "/tmp/tg-test-core-report-XXXXXX";

/* The log so far, and empty it. */
static void read_log(char *out, size_t n)
{
    FILE *f = fopen(log_path, "r");
    size_t got = f ? fread(out, 1, n - 1, f) : 0;
    out[got] = '\0';
    if (f)
        fclose(f);
    if (truncate(log_path, 0) != 0)
        out[0] = '\0';
}

static const struct {
    const char *what;
    enum tg_action action;
    int audit, pins_expired, log_allowed;
    const char *want[3]; /* substrings of the log, in order; NULL: nothing logged */
} cases[] = {
    { .what = "block",
      .action = TG_ACTION_BLOCK,
      .want = { "action=block host=sni.example port=- protocol=TLSv1.2 "
                "cipher=ECDHE-RSA-AES128-GCM-SHA256 reason=\"pin mismatch\"" } },
    { .what = "audit",
      .action = TG_ACTION_AUDIT,
      .audit = 1,
      .want = { "action=audit host=sni.example", "reason=\"would block: pin mismatch\"" } },
    { .what = "allow, not asked for", .action = TG_ACTION_ALLOW },
    { .what = "allow, log-allowed",
      .action = TG_ACTION_ALLOW,
      .log_allowed = 1,
      .want = { "action=allow", "reason=\"verified\"" } },
    { .what = "expired pins are a notice",
      .action = TG_ACTION_ALLOW,
      .pins_expired = 1,
      .want = { "action=notice", "reason=\"pins expired (policy line 4): not enforced\"" } },
};

static void report(int k, struct tg_verdict *v, const struct tg_rules *r)
{
    struct tg_backend_conn bc = { .sni = "sni.example" };
    struct tg_where w;
    if (cases[k].action == TG_ACTION_BLOCK)
        tg_verdict_log_block(&fake, &bc, v, &w);
    else if (cases[k].action == TG_ACTION_AUDIT)
        tg_verdict_log_audit(&fake, &bc, v);
    else
        tg_verdict_log_allow(&fake, &bc, v, r);
}

static void test_error_text(void)
{
    struct tg_verdict v = { .reason = TG_R_NAME, .detail = "host name mismatch: x" };
    struct tg_where w = { .host = "a.example", .port = 443 };
    char text[512];
    tg_verdict_error_text(&v, &w, text, sizeof text);
    CHECK_STR(text, "tlsguard: blocked host=a.example port=443: host name mismatch: x", NULL);
    w.port = 0;
    tg_verdict_error_text(&v, &w, text, sizeof text);
    CHECK_STR(text, "tlsguard: blocked host=a.example: host name mismatch: x",
              "no port when unknown");
}

int main(void)
{
    char got[4096];
    int fd = mkstemp(log_path);
    if (!CHECK(fd >= 0, "a log file"))
        return unit_finish();
    close(fd);
    tg_log_set_destination(TG_LOG_FILE, log_path);
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        struct tg_rules r = { .settings.min_protocol = TG_TLS1_2,
                              .audit = cases[k].audit,
                              .settings.block_line = 4 };
        struct tg_verdict v = { .pins_expired = cases[k].pins_expired };
        if (cases[k].action != TG_ACTION_ALLOW)
            tg_verdict_note(&v, TG_R_PIN, "pin mismatch");
        CHECK_INT(tg_verdict_action(&v, &r), cases[k].action, cases[k].what);
        tg_log_set_allowed(cases[k].log_allowed);
        report(k, &v, &r);
        read_log(got, sizeof got);
        const char *at = got;
        for (int i = 0; i < 3 && cases[k].want[i]; i++) {
            const char *hit = strstr(at, cases[k].want[i]);
            CHECK(hit != NULL, cases[k].what);
            if (!hit)
                fprintf(stderr, "    log: %s    want: %s\n", got, cases[k].want[i]);
            at = hit ? hit : at;
        }
        if (!cases[k].want[0])
            CHECK_STR(got, "", cases[k].what);
        CHECK_INT(v.blocked, cases[k].action == TG_ACTION_BLOCK, cases[k].what);
        report(k, &v, &r);
        read_log(got, sizeof got);
        CHECK_STR(got, "", "logged once per handshake");
    }
    test_error_text();
    unlink(log_path);
    return unit_finish();
}
