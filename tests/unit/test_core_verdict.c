/*
 * test_core_verdict.c — the one decision (shim/core/verdict.c) from fake
 * facts: certificate, name, anchors, pins with expiry, floor, suites, the
 * handshake's end, a handshake the peer broke off; audit; first reason wins.
 */
#include "verdict.h"
#include "unit.h"

/* Each case is written as a good connection plus what differs: later
 * designated initialisers override the macro's on purpose. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

static const struct tg_pin two_pins[2];
static const char ca_a[] = "/etc/a.pem", ca_b[] = "/etc/b.pem";

/* A client's verified chain for a.example over TLS 1.2, a strong suite. */
#define GOOD                                                                                       \
    .chain = TG_FACT_PASS, .name = TG_FACT_PASS, .host = "a.example", .negotiated = 1,             \
    .version = 0x0303, .version_name = "TLSv1.2", .now = 1000
#define FLOOR12 .settings.min_protocol = TG_TLS1_2, .settings.pins_expire_at = -1
#define PINNED  FLOOR12, .settings.pins = two_pins, .settings.pin_count = 2, .settings.block_line = 7

static const struct {
    const char *what;
    struct tg_facts f;
    struct tg_rules r;
    int ok;
    enum tg_reason reason;
    const char *detail;
    int pins_ok, pins_expired;
} cases[] = {
    { .what = "all good", .f = { GOOD }, .r = { FLOOR12 }, .ok = 1 },
    { .what = "chain fails",
      .f = { GOOD, .chain = TG_FACT_FAIL, .chain_why = "certificate has expired (depth 0)" },
      .r = { FLOOR12 },
      .reason = TG_R_CERT,
      .detail = "certificate verification failed: certificate has expired (depth 0)" },
    { .what = "no name at all",
      .f = { GOOD, .name = TG_FACT_FAIL, .host = "" },
      .r = { FLOOR12 },
      .reason = TG_R_NO_NAME,
      .detail = "no host name to verify: no SNI, no resolved name, no peer address" },
    { .what = "wrong name",
      .f = { GOOD, .name = TG_FACT_FAIL },
      .r = { FLOOR12 },
      .reason = TG_R_NAME,
      .detail = "host name mismatch: certificate is not valid for a.example" },
    { .what = "wrong address",
      .f = { GOOD, .name = TG_FACT_FAIL, .host = "192.0.2.1", .host_is_ip = 1 },
      .r = { FLOOR12 },
      .reason = TG_R_NAME,
      .detail = "host name mismatch: certificate is not valid for 192.0.2.1 (IP address)" },
    { .what = "wrong name, in the library's words",
      .f = { .name = TG_FACT_FAIL, .name_why = "hostname mismatch" },
      .r = { FLOOR12 },
      .reason = TG_R_NAME,
      .detail = "host name mismatch: hostname mismatch" },
    { .what = "another host's anchors",
      .f = { GOOD, .anchors_file = ca_a },
      .r = { FLOOR12, .settings.ca_file = ca_b },
      .reason = TG_R_CERT,
      .detail = "certificate verification failed: its anchors are another host's (policy "
                "ca-file/ca-dir), not a.example's" },
    { .what = "the host's own anchors",
      .f = { GOOD, .anchors_file = ca_a },
      .r = { FLOOR12, .settings.ca_file = ca_a },
      .ok = 1 },
    { .what = "pinned and matching",
      .f = { GOOD, .pins = TG_FACT_PASS },
      .r = { PINNED },
      .ok = 1,
      .pins_ok = 1 },
    { .what = "pinned, no match",
      .f = { GOOD, .pins = TG_FACT_FAIL },
      .r = { PINNED },
      .reason = TG_R_PIN,
      .detail = "pin mismatch: no certificate of the verified chain matches the 2 pin(s) for "
                "a.example (policy line 7)" },
    { .what = "pinned, never checked: fail closed",
      .f = { GOOD },
      .r = { PINNED },
      .reason = TG_R_PIN },
    { .what = "pins before their expiry",
      .f = { GOOD, .pins = TG_FACT_FAIL },
      .r = { PINNED, .settings.pins_expire_at = 1001 },
      .reason = TG_R_PIN },
    { .what = "pins expired",
      .f = { GOOD, .pins = TG_FACT_FAIL },
      .r = { PINNED, .settings.pins_expire_at = 1000 },
      .ok = 1,
      .pins_expired = 1 },
    { .what = "no pins, nothing to match",
      .f = { GOOD, .pins = TG_FACT_FAIL },
      .r = { FLOOR12 },
      .ok = 1 },
    { .what = "the name fails before the pins",
      .f = { GOOD, .name = TG_FACT_FAIL, .pins = TG_FACT_PASS },
      .r = { PINNED },
      .reason = TG_R_NAME },
    { .what = "TLS 1.0 under a 1.2 floor",
      .f = { GOOD, .version = 0x0301, .version_name = "TLSv1" },
      .r = { FLOOR12 },
      .reason = TG_R_PROTOCOL,
      .detail = "protocol below TLS 1.2 refused: negotiated TLSv1" },
    { .what = "TLS 1.2 under a 1.3 floor",
      .f = { GOOD },
      .r = { FLOOR12, .settings.min_protocol = TG_TLS1_3 },
      .reason = TG_R_PROTOCOL,
      .detail = "protocol below TLS 1.3 refused: negotiated TLSv1.2" },
    { .what = "TLS 1.3 under a 1.3 floor",
      .f = { GOOD, .version = 0x0304 },
      .r = { FLOOR12, .settings.min_protocol = TG_TLS1_3 },
      .ok = 1 },
    { .what = "DTLS is not judged by the floor",
      .f = { GOOD, .version = 0xfefd, .version_is_dtls = 1 },
      .r = { FLOOR12 },
      .ok = 1 },
    { .what = "a weak suite",
      .f = { GOOD, .suite = "RC4-MD5", .suite_weak = 1 },
      .r = { FLOOR12 },
      .reason = TG_R_CIPHER,
      .detail = "weak cipher suite negotiated: RC4-MD5" },
    { .what = "a server's peer has no certificate to judge",
      .f = { .is_server = 1,
             .chain = TG_FACT_FAIL,
             .negotiated = 1,
             .version = 0x0303,
             .finished = 1 },
      .r = { FLOOR12 },
      .ok = 1 },
    { .what = "a server gets the floor",
      .f = { .is_server = 1, .negotiated = 1, .version = 0x0302, .version_name = "TLSv1.1" },
      .r = { FLOOR12 },
      .reason = TG_R_PROTOCOL },
    { .what = "finished, verified",
      .f = { .finished = 1, .library_verify = TG_FACT_PASS, .chain_checked = 1 },
      .r = { FLOOR12 },
      .ok = 1 },
    { .what = "finished where no check ran",
      .f = { .finished = 1, .unseen = 1 },
      .r = { FLOOR12 },
      .reason = TG_R_UNVERIFIED,
      .detail = "handshake completed without the shim's checks" },
    { .what = "finished, the library's verification failed",
      .f = { .finished = 1,
             .library_verify = TG_FACT_FAIL,
             .library_why = "unable to get local issuer certificate",
             .chain_checked = 1 },
      .r = { FLOOR12 },
      .reason = TG_R_CERT,
      .detail = "certificate verification failed: unable to get local issuer certificate" },
    { .what = "audit: the library's verdict is the program's",
      .f = { .finished = 1, .library_verify = TG_FACT_FAIL, .chain_checked = 1 },
      .r = { FLOOR12, .audit = 1 },
      .ok = 1 },
    { .what = "finished without our chain check",
      .f = { .finished = 1, .library_verify = TG_FACT_PASS },
      .r = { FLOOR12 },
      .reason = TG_R_UNVERIFIED,
      .detail = "handshake completed without certificate verification" },
    { .what = "resumed a session vouched for",
      .f = { .finished = 1, .resumed = 1, .resumed_vouched = 1 },
      .r = { FLOOR12 },
      .ok = 1 },
    { .what = "resumed a session never verified for this name",
      .f = { .finished = 1, .resumed = 1 },
      .r = { FLOOR12 },
      .reason = TG_R_UNVERIFIED,
      .detail = "resumed a session that was never verified for this name" },
    { .what = "the peer wants less than the floor",
      .f = { .failure = TG_FAILURE_BELOW_FLOOR, .failure_why = "unsupported protocol" },
      .r = { FLOOR12 },
      .reason = TG_R_PROTOCOL,
      .detail = "protocol below TLS 1.2 refused: peer cannot do TLS 1.2 or later (unsupported "
                "protocol)" },
    { .what = "... in default words",
      .f = { .failure = TG_FAILURE_BELOW_FLOOR },
      .r = { FLOOR12, .settings.min_protocol = TG_TLS1_3 },
      .reason = TG_R_PROTOCOL,
      .detail =
          "protocol below TLS 1.3 refused: peer cannot do TLS 1.3 or later (protocol version)" },
    { .what = "the program's own maximum is the floor: the peer may want more",
      .f = { .failure = TG_FAILURE_BELOW_FLOOR,
             .failure_why = "protocol version",
             .offered_max = TG_TLS1_2 },
      .r = { FLOOR12 },
      .reason = TG_R_PROTOCOL,
      .detail =
          "protocol below TLS 1.2 refused: peer cannot do TLS 1.2 to TLS 1.2, the highest the "
          "program lets this connection offer (protocol version)" },
    { .what = "the program's own maximum is below the floor",
      .f = { .failure = TG_FAILURE_BELOW_FLOOR, .offered_max = TG_TLS1_2 },
      .r = { FLOOR12, .settings.min_protocol = TG_TLS1_3 },
      .reason = TG_R_PROTOCOL,
      .detail = "protocol below TLS 1.3 refused: the program allows at most TLS 1.2 (protocol "
                "version)" },
    { .what = "an offer up to TLS 1.3: the peer lacks the floor",
      .f = { .failure = TG_FAILURE_BELOW_FLOOR, .offered_max = TG_TLS1_3 },
      .r = { FLOOR12 },
      .reason = TG_R_PROTOCOL,
      .detail =
          "protocol below TLS 1.2 refused: peer cannot do TLS 1.2 or later (protocol version)" },
    { .what = "no strong suite in common",
      .f = { .failure = TG_FAILURE_NO_STRONG_SUITE },
      .r = { FLOOR12 },
      .reason = TG_R_CIPHER,
      .detail = "weak cipher suites refused: no strong suite in common (handshake failure)" },
    { .what = "the program refused with its verification off",
      .f = { .program = TG_FACT_FAIL, .program_depth = 1 },
      .r = { FLOOR12 },
      .reason = TG_R_CERT,
      .detail = "certificate refused by the program's own verify callback (its verification was "
                "off; tlsguard "
                "turned it on) at depth 1" },
    { .what = "... the name's verdict first",
      .f = { .program = TG_FACT_FAIL, .name = TG_FACT_FAIL, .host = "a.example" },
      .r = { FLOOR12 },
      .reason = TG_R_NAME },
};

static void test_first_reason_wins(void)
{
    struct tg_verdict v = { 0 };
    struct tg_rules r = { FLOOR12 };
    struct tg_facts bad_chain = { .chain = TG_FACT_FAIL, .chain_why = "x" };
    struct tg_facts low = { .negotiated = 1, .version = 0x0301, .version_name = "TLSv1" };
    CHECK(!tg_decide(&low, &r, &v), NULL);
    CHECK(!tg_decide(&bad_chain, &r, &v), "a later failure still fails");
    CHECK_INT(v.reason, TG_R_PROTOCOL, "but the first reason stays");
    tg_verdict_forget(&v);
    CHECK_INT(v.reason, TG_R_NONE, NULL);
    CHECK_STR(v.detail, "", NULL);
}

static void test_action_and_restart(void)
{
    struct tg_verdict v = { 0 };
    struct tg_rules enforce = { FLOOR12 }, audit = { FLOOR12, .audit = 1 };
    CHECK_INT(tg_verdict_action(&v, &enforce), TG_ACTION_ALLOW, NULL);
    CHECK_INT(tg_verdict_action(&v, &audit), TG_ACTION_ALLOW, "audit allows what passes");
    tg_verdict_note(&v, TG_R_PIN, "pin mismatch");
    CHECK_INT(tg_verdict_action(&v, &enforce), TG_ACTION_BLOCK, NULL);
    CHECK_INT(tg_verdict_action(&v, &audit), TG_ACTION_AUDIT,
              "audit turns a block into a logged non-block");
    v.logged = v.pins_ok = 1;
    tg_verdict_restart(&v);
    CHECK_INT(v.reason, TG_R_NONE, "a new handshake is judged anew");
    CHECK_INT(v.logged, 0, "... and logged anew");
    CHECK_INT(v.pins_ok, 0, NULL);
    tg_verdict_note(&v, TG_R_CERT, "bad");
    v.blocked = v.logged = 1;
    tg_verdict_restart(&v);
    CHECK_INT(v.reason, TG_R_CERT, "a block stands");
    CHECK_STR(v.detail, "bad", NULL);
    CHECK_INT(v.logged, 1, "and is not logged twice");
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tg_verdict v = { 0 };
        CHECK_INT(tg_decide(&cases[i].f, &cases[i].r, &v), cases[i].ok, cases[i].what);
        CHECK_INT(v.reason, cases[i].reason, cases[i].what);
        if (cases[i].detail)
            CHECK_STR(v.detail, cases[i].detail, cases[i].what);
        CHECK_INT(v.pins_ok, cases[i].pins_ok, cases[i].what);
        CHECK_INT(v.pins_expired, cases[i].pins_expired, cases[i].what);
    }
    test_first_reason_wins();
    test_action_and_restart();
    return unit_finish();
}
