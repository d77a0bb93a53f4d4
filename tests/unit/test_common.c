/*
 * test_common.c — the helpers the shim and the tools share: the pin's hash
 * step (with a fake digest), the pin text against
 * SPEC.md's format (and policy's decoder), the IP-literal test, the
 * TLSGUARD_* list, the libssl sonames against coverage.c's table, and the
 * log-destination parser.
 */
#include "env_names.h"
#include "ip_literal.h"
#include "libssl_sonames.h"
#include "log_dest.h"
#include "coverage.h"
#include "spki_pin.h"
#include "unit.h"

/* A fake digest: records what it was given, writes a pattern. */
static struct {
    const void *ctx;
    size_t len;
    int calls, fail;
} fake;

static int fake_sha256(const void *ctx, const unsigned char *in, size_t len,
                       unsigned char out[TG_PIN_HASH_LEN])
{
    fake.ctx = ctx;
    fake.len = len;
    fake.calls++;
    for (int i = 0; i < TG_PIN_HASH_LEN; i++)
        out[i] = (unsigned char)(in[0] + i);
    return fake.fail ? -1 : 0;
}

static void test_spki_hash(void)
{
    static const unsigned char der[] = { 0x30, 0x59, 0x30, 0x13 };
    unsigned char h[TG_PIN_HASH_LEN];
    int ctx = 0;
    CHECK(tg_spki_hash(der, (int)sizeof der, fake_sha256, &ctx, h) == 0, "hashed");
    CHECK(fake.ctx == &ctx && fake.len == sizeof der && h[0] == 0x30 && h[31] == 0x30 + 31,
          "the DER and the caller's context reach its digest");
    fake.calls = 0;
    CHECK(tg_spki_hash(der, 0, fake_sha256, NULL, h) == -1, "no DER: i2d returned 0");
    CHECK(tg_spki_hash(der, -1, fake_sha256, NULL, h) == -1, "failed encoding");
    CHECK(tg_spki_hash(NULL, 4, fake_sha256, NULL, h) == -1, "NULL DER");
    CHECK_INT(fake.calls, 0, "no digest of nothing");
    fake.fail = 1;
    CHECK(tg_spki_hash(der, (int)sizeof der, fake_sha256, NULL, h) == -1, "digest failed");
    fake.fail = 0;
}

static void test_pin_text(void)
{
    /* SHA-256("abc"), FIPS 180-4's first example. */
    static const unsigned char abc[TG_PIN_HASH_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    unsigned char h[TG_PIN_HASH_LEN], back[64];
    char text[TG_PIN_TEXT_SIZE];
    size_t n = 0;
    tg_pin_text(abc, text);
    CHECK(!strcmp(text, "sha256/ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="), text);
    CHECK(strlen(text) == TG_PIN_TEXT_SIZE - 1, text);
    /* What `tlsguard pin` prints, the policy parser reads back to the hash. */
    CHECK(tg_base64_decode(text + 7, strlen(text + 7), back, sizeof back, &n) == 0 && n == 32 &&
              !memcmp(back, abc, 32),
          "round trip through policy's decoder");
    memset(h, 0xff, sizeof h);
    tg_pin_text(h, text);
    CHECK(!strcmp(text, "sha256///////////////////////////////////////////8="), text);
}

static void test_ip_literal(void)
{
    CHECK(tg_is_ip_literal("127.0.0.1") && tg_is_ip_literal("::1"), "IP literals");
    CHECK(tg_is_ip_literal("::ffff:192.0.2.1") && tg_is_ip_literal("2001:db8::7"), "IPv6");
    CHECK(!tg_is_ip_literal("localhost") && !tg_is_ip_literal("1.2.3") && !tg_is_ip_literal(NULL),
          "not IP literals");
    CHECK(!tg_is_ip_literal("[::1]") && !tg_is_ip_literal("127.0.0.1 ") && !tg_is_ip_literal(""),
          "brackets, spaces, empty");
}

static void test_env_names(void)
{
    CHECK(!strcmp(tg_env_name[TG_ENV_POLICY], "TLSGUARD_POLICY"), NULL);
    CHECK(!strcmp(tg_env_name[TG_ENV_MODE], "TLSGUARD_MODE"), NULL);
    CHECK(!strcmp(tg_env_name[TG_ENV_LOG], "TLSGUARD_LOG"), NULL);
    CHECK(!strcmp(tg_env_name[TG_ENV_REPORT], "TLSGUARD_REPORT"), NULL);
    CHECK(!strcmp(tg_env_name[TG_ENV_LIB], "TLSGUARD_LIB"), NULL);
    CHECK_INT(TG_ENV_INHERITED, 4, "POLICY, MODE, LOG, REPORT reach the children");
    for (int i = 0; i < TG_ENV_COUNT; i++)
        for (int k = i + 1; k < TG_ENV_COUNT; k++)
            CHECK(strcmp(tg_env_name[i], tg_env_name[k]), tg_env_name[i]);
}

static void test_sonames(void)
{
    CHECK(!strcmp(tg_libssl_sonames[0].soname, "libssl.so.3"), "3.x tried first");
    const char *r10 = tg_libssl_release("libssl.so.10"),
               *r6 = tg_libssl_release("libssl.so.1.0.1e");
    CHECK(r10 && !strcmp(r10, "RHEL/CentOS 7 OpenSSL 1.0.2"), r10);
    CHECK(r6 && !strcmp(r6, "CentOS 6 OpenSSL 1.0.1e"), r6);
    CHECK(tg_libssl_release("libssl.so") == NULL && tg_libssl_release("libgnutls.so.30") == NULL,
          "no release told");
    int served = 0;
    for (const struct tg_libssl_soname *s = tg_libssl_sonames; s->soname; s++) {
        const struct tg_tls_lib *l = tg_tls_lib_of(s->soname);
        /* Every libssl soname is coverage.c's covered OpenSSL. */
        CHECK(l && !strcmp(l->library, "OpenSSL") && l->covered, s->soname);
        served += s->shim_serves;
        if (!strcmp(s->soname, "libssl.so.0.9.8"))
            CHECK(!s->shim_serves, "0.9.8 is named, not served");
    }
    CHECK_INT(served, 7, "the sonames the shim tries");
}

static void test_log_dest(void)
{
    enum tg_log_kind k = TG_LOG_NONE;
    CHECK(tg_log_dest_parse("stderr", &k) == 0 && k == TG_LOG_STDERR, NULL);
    CHECK(tg_log_dest_parse("syslog", &k) == 0 && k == TG_LOG_SYSLOG, NULL);
    CHECK(tg_log_dest_parse("none", &k) == 0 && k == TG_LOG_NONE, NULL);
    CHECK(tg_log_dest_parse("/var/log/tlsguard.log", &k) == 0 && k == TG_LOG_FILE, NULL);
    k = TG_LOG_SYSLOG;
    CHECK(tg_log_dest_parse("log/tlsguard.log", &k) == -1 && k == TG_LOG_SYSLOG, "relative");
    CHECK(tg_log_dest_parse("Syslog", &k) == -1 && tg_log_dest_parse("", &k) == -1 &&
              tg_log_dest_parse(NULL, &k) == -1,
          "case, empty, NULL");
}

int main(void)
{
    test_spki_hash();
    test_pin_text();
    test_ip_literal();
    test_env_names();
    test_sonames();
    test_log_dest();
    return unit_finish();
}
