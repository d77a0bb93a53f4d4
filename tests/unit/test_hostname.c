/*
 * test_hostname.c — the RFC 6125 matcher used where OpenSSL (1.0.1) has no
 * X509_check_host (shim/core/hostname.c), curl unit1397-style.
 */
#include "hostname.h"
#include "unit.h"

static const struct {
    const char *pattern, *host;
    int match;
} cases[] = {
    { .pattern = "example.com", .host = "example.com", .match = 1 },
    { .pattern = "EXAMPLE.com", .host = "example.COM", .match = 1 },
    { .pattern = "example.com.", .host = "example.com", .match = 1 },
    { .pattern = "example.com", .host = "example.com.", .match = 1 },
    { .pattern = "example.com", .host = "www.example.com", .match = 0 },
    { .pattern = "www.example.com", .host = "example.com", .match = 0 },
    { .pattern = "*.example.com", .host = "www.example.com", .match = 1 },
    { .pattern = "*.example.com", .host = "WWW.Example.Com", .match = 1 },
    { .pattern = "*.example.com", .host = "example.com", .match = 0 },
    { .pattern = "*.example.com", .host = "a.b.example.com", .match = 0 },
    { .pattern = "*.example.com", .host = ".example.com", .match = 0 },
    { .pattern = "*.example.com", .host = "wwwexample.com", .match = 0 },
    { .pattern = "*.com", .host = "example.com", .match = 0 },
    { .pattern = "*.co", .host = "a.co", .match = 0 },
    { .pattern = "*", .host = "localhost", .match = 0 },
    { .pattern = "*.", .host = "a.", .match = 0 },
    { .pattern = "w*.example.com", .host = "www.example.com", .match = 0 },
    { .pattern = "*w.example.com", .host = "www.example.com", .match = 0 },
    { .pattern = "www.*.com", .host = "www.example.com", .match = 0 },
    { .pattern = "*.*.example.com", .host = "a.b.example.com", .match = 0 },
    { .pattern = "*.0.0.1", .host = "127.0.0.1", .match = 0 },
    { .pattern = "127.0.0.1", .host = "127.0.0.1", .match = 1 },
    { .pattern = "", .host = "example.com", .match = 0 },
    { .pattern = "example.com", .host = "", .match = 0 },
    { .pattern = "xn--bcher-kva.example", .host = "XN--BCHER-KVA.example", .match = 1 },
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char what[160];
        snprintf(what, sizeof what, "'%s' vs '%s'", cases[i].pattern, cases[i].host);
        CHECK(tg_hostname_match(cases[i].pattern, strlen(cases[i].pattern), cases[i].host) ==
                  cases[i].match,
              what);
    }
    /* An embedded NUL (the 2009 "www.bank.com\0.evil.com" trick) never matches. */
    CHECK(!tg_hostname_match("www.bank.com\0.evil.com", 22, "www.bank.com"), "embedded NUL");
    CHECK(!tg_hostname_match(NULL, 0, "a.example"), "NULL pattern");
    return unit_finish();
}
