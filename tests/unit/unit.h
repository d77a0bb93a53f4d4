/*
 * A minimal unit-test harness: CHECK* macros count results and print each
 * failure with its place; unit_finish() prints the closing line
 * "N passed, N failed" and gives the exit status.
 */
#ifndef TG_UNIT_H
#define TG_UNIT_H

#include <stdio.h>
#include <string.h>

#include "policy.h"

static int unit_passed, unit_failed;

static inline int unit_check(int ok, const char *file, int line, const char *what, const char *ctx)
{
    if (ok) {
        unit_passed++;
    } else {
        unit_failed++;
        fprintf(stderr, "%s:%d: FAIL: %s%s%s\n", file, line, what, ctx != NULL ? " -- " : "",
                ctx != NULL ? ctx : "");
    }
    return ok;
}

/* CHECK(cond, context-string-or-NULL) */
#define CHECK(cond, ctx) unit_check(!!(cond), __FILE__, __LINE__, #cond, (ctx))

static inline void unit_check_int(long long got, long long want, const char *file, int line,
                                  const char *expr, const char *ctx)
{
    if (unit_check(got == want, file, line, expr, ctx))
        return;
    fprintf(stderr, "    got %lld, want %lld\n", got, want);
}

static inline void unit_check_str(const char *got, const char *want, const char *file, int line,
                                  const char *expr, const char *ctx)
{
    int ok =
        (got == NULL && want == NULL) || (got != NULL && want != NULL && strcmp(got, want) == 0);

    if (unit_check(ok, file, line, expr, ctx))
        return;
    fprintf(stderr, "    got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
}

#define CHECK_INT(got, want, ctx)                                                                  \
    unit_check_int((long long)(got), (long long)(want), __FILE__, __LINE__, #got, (ctx))
#define CHECK_STR(got, want, ctx) unit_check_str((got), (want), __FILE__, __LINE__, #got, (ctx))

static inline int unit_finish(void)
{
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed != 0;
}

/* Standard base64 with padding, for building pins in tests. */
static inline void unit_base64(const unsigned char *in, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];

        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (n - i == 1) {
        unsigned long v = (unsigned long)in[i] << 16;

        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;

        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

/* "sha256/" + base64 of 32 bytes all equal to fill (out: at least 52 bytes). */
static inline void unit_pin(unsigned char fill, char *out)
{
    unsigned char raw[32];

    memset(raw, fill, sizeof(raw));
    memcpy(out, "sha256/", 7);
    unit_base64(raw, sizeof(raw), out + 7);
}

/* Do two lookups agree on everything?  A lookup fills every byte of the
 * struct from zeroed storage (policy/host_index.c resolve), so memcmp
 * compares every field, those a new setting adds too. */
static inline int unit_same_settings(const struct tg_host_settings *a,
                                     const struct tg_host_settings *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

#endif /* TG_UNIT_H */
