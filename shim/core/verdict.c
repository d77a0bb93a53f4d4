/*
 * verdict.c — facts against rules, in the order the handshake learns them:
 * the certificate (chain, name, anchors, pins, the program's own refusal),
 * what was negotiated, the handshake's end, a handshake the peer broke off.
 */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>

void tg_verdict_note(struct tg_verdict *v, enum tg_reason why, const char *fmt, ...)
{
    va_list ap;
    if (v->reason != TG_R_NONE)
        return;
    v->reason = why;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof v->detail, fmt, ap);
    va_end(ap);
}

static const char * or (const char *s, const char *dflt)
{
    return s ? s : dflt;
}

/* The leaf's name, and the anchors' scope: a host block's anchors vouch
 * only for a connection judged for a name that block matches. */
static int judge_name(const struct tg_facts *f, const struct tg_rules *r, struct tg_verdict *v)
{
    const char *host = or (f->host, "");
    if (f->name == TG_FACT_FAIL && !f->name_why && !host[0]) {
        tg_verdict_note(v, TG_R_NO_NAME,
                        "no host name to verify: no SNI, no resolved name, no peer address");
        return 0;
    }
    if (f->name == TG_FACT_FAIL && f->name_why) {
        tg_verdict_note(v, TG_R_NAME, "host name mismatch: %s", f->name_why);
        return 0;
    }
    if (f->name == TG_FACT_FAIL) {
        tg_verdict_note(v, TG_R_NAME, "host name mismatch: certificate is not valid for %s%s", host,
                        f->host_is_ip ? " (IP address)" : "");
        return 0;
    }
    if ((f->anchors_file || f->anchors_dir) &&
        !(f->anchors_file == r->settings.ca_file && f->anchors_dir == r->settings.ca_dir)) {
        tg_verdict_note(v, TG_R_CERT,
                        "certificate verification failed: its anchors are another "
                        "host's (policy ca-file/ca-dir), not %s's",
                        host);
        return 0;
    }
    return 1;
}

/* The verified chain against the host's pins, unless they have expired. */
static int judge_pins(const struct tg_facts *f, const struct tg_rules *r, struct tg_verdict *v)
{
    if (!r->settings.pin_count)
        return 1;
    if (!tg_rules_pins_due(r, f->now)) {
        v->pins_expired = 1;
        return 1;
    }
    if (f->pins == TG_FACT_PASS) {
        v->pins_ok = 1;
        return 1;
    }
    tg_verdict_note(v, TG_R_PIN,
                    "pin mismatch: no certificate of the verified chain matches the %zu pin(s) "
                    "for %s (policy line %d)",
                    r->settings.pin_count, f->host && f->host[0] ? f->host : "this host",
                    r->settings.block_line);
    return 0;
}

static int judge_certificate(const struct tg_facts *f, const struct tg_rules *r,
                             struct tg_verdict *v)
{
    if (f->chain == TG_FACT_FAIL) {
        tg_verdict_note(v, TG_R_CERT, "certificate verification failed: %s",
                        or (f->chain_why, "?"));
        return 0;
    }
    if (!judge_name(f, r, v))
        return 0;
    if (f->chain == TG_FACT_PASS && !judge_pins(f, r, v))
        return 0;
    if (f->program == TG_FACT_FAIL) {
        tg_verdict_note(v, TG_R_CERT,
                        "certificate refused by the program's own verify callback "
                        "(its verification was off; tlsguard turned it on) at depth %d",
                        f->program_depth);
        return 0;
    }
    return 1;
}

/* The protocol and suite the peer chose meet the floor. */
static int judge_negotiated(const struct tg_facts *f, const struct tg_rules *r,
                            struct tg_verdict *v)
{
    if (!f->negotiated)
        return 1;
    if (f->version < r->settings.min_protocol && !f->version_is_dtls) {
        tg_verdict_note(v, TG_R_PROTOCOL, "protocol below %s refused: negotiated %s",
                        tg_rules_floor_name(r), or (f->version_name, "?"));
        return 0;
    }
    if (f->suite && f->suite_weak) {
        tg_verdict_note(v, TG_R_CIPHER, "weak cipher suite negotiated: %s", f->suite);
        return 0;
    }
    return 1;
}

/* The handshake finished: something must vouch for a client's peer. */
static int judge_end(const struct tg_facts *f, const struct tg_rules *r, struct tg_verdict *v)
{
    if (!f->finished)
        return 1;
    if (f->unseen) {
        tg_verdict_note(v, TG_R_UNVERIFIED, "handshake completed without the shim's checks");
        return 0;
    }
    if (f->is_server)
        return 1;
    /* Audit: the shim's own check took the notes, the library's is the program's. */
    if (f->library_verify == TG_FACT_FAIL && !r->audit) {
        tg_verdict_note(v, TG_R_CERT, "certificate verification failed: %s",
                        or (f->library_why, "?"));
        return 0;
    }
    if (f->resumed) {
        if (f->resumed_vouched)
            return 1;
        tg_verdict_note(v, TG_R_UNVERIFIED,
                        "resumed a session that was never verified for this name");
        return 0;
    }
    if (!f->chain_checked) {
        tg_verdict_note(v, TG_R_UNVERIFIED, "handshake completed without certificate verification");
        return 0;
    }
    return 1;
}

/* A version refusal in the words of its real cause: the program's own
 * maximum below the floor; an offer that stopped short of TLS 1.3 (the
 * peer may want a later version, not an older one); or the floor the peer
 * lacks. */
static void below_floor(const struct tg_facts *f, const struct tg_rules *r, struct tg_verdict *v,
                        const char *floor)
{
    const char *why = or (f->failure_why, "protocol version");
    int lowest = r->settings.min_protocol >= TG_TLS1_3 ? TG_TLS1_3 : TG_TLS1_2;
    const char *max = f->offered_max == TG_TLS1_2 ? "TLS 1.2"
                      : f->offered_max == 0x0302  ? "TLS 1.1"
                                                  : "TLS 1.0";
    if (f->offered_max && f->offered_max < lowest)
        tg_verdict_note(v, TG_R_PROTOCOL,
                        "protocol below %s refused: the program allows at most %s (%s)", floor, max,
                        why);
    else if (f->offered_max && f->offered_max < TG_TLS1_3)
        tg_verdict_note(v, TG_R_PROTOCOL,
                        "protocol below %s refused: peer cannot do %s to %s, the highest the "
                        "program lets this connection offer (%s)",
                        floor, floor, max, why);
    else
        tg_verdict_note(v, TG_R_PROTOCOL,
                        "protocol below %s refused: peer cannot do %s or later (%s)", floor, floor,
                        why);
}

static int judge_failure(const struct tg_facts *f, const struct tg_rules *r, struct tg_verdict *v)
{
    const char *floor = tg_rules_floor_name(r);
    switch (f->failure) {
    case TG_FAILURE_BELOW_FLOOR:
        below_floor(f, r, v, floor);
        return 0;
    case TG_FAILURE_NO_STRONG_SUITE:
        tg_verdict_note(v, TG_R_CIPHER,
                        "weak cipher suites refused: no strong suite in common (%s)",
                        or (f->failure_why, "handshake failure"));
        return 0;
    case TG_FAILURE_NONE:
        break;
    }
    return 1;
}

int tg_decide(const struct tg_facts *f, const struct tg_rules *r, struct tg_verdict *v)
{
    if (!f->is_server && !judge_certificate(f, r, v))
        return 0;
    return judge_negotiated(f, r, v) && judge_end(f, r, v) && judge_failure(f, r, v);
}

enum tg_action tg_verdict_action(const struct tg_verdict *v, const struct tg_rules *r)
{
    if (v->reason == TG_R_NONE)
        return TG_ACTION_ALLOW;
    return r->audit ? TG_ACTION_AUDIT : TG_ACTION_BLOCK;
}

void tg_verdict_forget(struct tg_verdict *v)
{
    v->reason = TG_R_NONE;
    v->detail[0] = '\0';
}

void tg_verdict_restart(struct tg_verdict *v)
{
    v->pins_ok = v->pins_expired = 0;
    if (v->blocked)
        return; /* a refusal stands, and its reason with it */
    v->reason = TG_R_NONE;
    v->detail[0] = '\0';
    v->logged = 0;
}
