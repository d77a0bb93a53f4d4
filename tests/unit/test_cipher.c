/*
 * test_cipher.c — the cipher floor's name classifier (shim/openssl/cipher.c), over
 * real OpenSSL suite names from 1.0.1 to 3.x.
 */
#include "cipher.h"
#include "unit.h"

static const struct {
    const char *name;
    int weak;
} cases[] = {
    /* strong */
    { .name = "ECDHE-RSA-AES128-GCM-SHA256", .weak = 0 },
    { .name = "ECDHE-ECDSA-CHACHA20-POLY1305", .weak = 0 },
    { .name = "DHE-RSA-AES256-SHA256", .weak = 0 },
    { .name = "AES128-SHA", .weak = 0 },
    { .name = "TLS_AES_256_GCM_SHA384", .weak = 0 },
    { .name = "TLS_CHACHA20_POLY1305_SHA256", .weak = 0 },
    { .name = "CAMELLIA256-SHA", .weak = 0 },
    { .name = "ECDHE-PSK-AES128-CBC-SHA256", .weak = 0 },
    /* aNULL: anonymous key exchange, no certificate at all */
    { .name = "ADH-AES256-GCM-SHA384", .weak = 1 },
    { .name = "AECDH-AES128-SHA", .weak = 1 },
    /* eNULL */
    { .name = "NULL-SHA256", .weak = 1 },
    { .name = "ECDHE-RSA-NULL-SHA", .weak = 1 },
    { .name = "NULL-MD5", .weak = 1 },
    /* EXPORT */
    { .name = "EXP-RC4-MD5", .weak = 1 },
    { .name = "EXP-EDH-RSA-DES-CBC-SHA", .weak = 1 },
    { .name = "EXP1024-DES-CBC-SHA", .weak = 1 },
    /* RC4, DES, 3DES, MD5 */
    { .name = "RC4-SHA", .weak = 1 },
    { .name = "ECDHE-RSA-RC4-SHA", .weak = 1 },
    { .name = "DES-CBC-SHA", .weak = 1 },
    { .name = "DES-CBC3-SHA", .weak = 1 },
    { .name = "EDH-RSA-DES-CBC3-SHA", .weak = 1 },
    { .name = "ECDHE-RSA-DES-CBC3-SHA", .weak = 1 },
    { .name = "RC4-MD5", .weak = 1 },
    /* 3DES spelled DES-EDE (SRP/PSK suites) */
    { .name = "SRP-3DES-EDE-CBC-SHA", .weak = 1 },
    { .name = "PSK-3DES-EDE-CBC-SHA", .weak = 1 },
    { .name = "SRP-DSS-3DES-EDE-CBC-SHA", .weak = 1 },
    /* secret-only suites are not weak by themselves (see tg_cipher_needs_secret) */
    { .name = "SRP-AES-256-CBC-SHA", .weak = 0 },
    { .name = "PSK-AES128-CBC-SHA", .weak = 0 },
    { .name = NULL, .weak = 1 },
};

static const struct {
    const char *name;
    int secret;
} secret_cases[] = {
    { .name = "PSK-AES128-CBC-SHA", .secret = 1 },
    { .name = "SRP-AES-256-CBC-SHA", .secret = 1 },
    { .name = "SRP-RSA-AES-256-CBC-SHA", .secret = 0 },
    { .name = "ECDHE-PSK-AES128-CBC-SHA256", .secret = 0 },
    { .name = "ECDHE-RSA-AES128-GCM-SHA256", .secret = 0 },
};

int main(void)
{
    for (size_t i = 0; i < sizeof secret_cases / sizeof *secret_cases; i++)
        CHECK(tg_cipher_needs_secret(secret_cases[i].name) == secret_cases[i].secret,
              secret_cases[i].name);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK(tg_cipher_is_weak(cases[i].name) == cases[i].weak,
              cases[i].name ? cases[i].name : "(null)");
    return unit_finish();
}
