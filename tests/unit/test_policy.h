/*
 * What the policy unit tests share: pins of known bytes, and parsing a text
 * with its diagnostics.
 */
#ifndef TG_TEST_POLICY_H
#define TG_TEST_POLICY_H

#include <string.h>

#include "policy.h"

#define PIN_11 "sha256/ERERERERERERERERERERERERERERERERERERERERERE="
#define PIN_22 "sha256/IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="
#define PIN_33 "sha256/MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM="
#define PIN_44 "sha256/REREREREREREREREREREREREREREREREREREREREREQ="

/* Parse a NUL-terminated policy text. */
static inline struct tg_policy *parse(const char *text, struct tg_diags *d)
{
    return tg_policy_parse(text, strlen(text), "t.policy", d);
}

/* Does d hold a diagnostic of this kind at line whose message contains sub? */
static inline int has_diag(const struct tg_diags *d, int line, int is_warning, const char *sub)
{
    size_t i;

    for (i = 0; i < d->count; i++)
        if (d->items[i].line == line && d->items[i].is_warning == is_warning &&
            strstr(d->items[i].message, sub) != NULL)
            return 1;
    return 0;
}

static inline void dump_diags(const struct tg_diags *d, char *buf, size_t n)
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

#endif /* TG_TEST_POLICY_H */
