/*
 * libFuzzer target for the policy module.
 *
 * Each input is parsed as a policy.  When it parses, every word of it is
 * looked up as a host name (and with labels added in front), and the hash
 * index must agree with the block-by-block scan.  Words are also matched
 * against each other as pattern and host, and the input is base64-decoded:
 * what the strict decoder accepts must encode back to exactly the input.
 * Any disagreement aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "unit.h" /* unit_same_settings, unit_base64 */

#define MAX_WORDS 24

static void require(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_policy: property failed: %s\n", what);
        abort();
    }
}

static void check_lookup(const struct tg_policy *p, const char *host)
{
    struct tg_host_settings s, lin;

    tg_policy_lookup(p, host, &s);
    tg_policy_lookup_linear(p, host, &lin);
    require(unit_same_settings(&s, &lin), "index lookup == linear lookup");
    require(s.min_protocol == TG_TLS1_2 || s.min_protocol == TG_TLS1_3, "protocol value");
    require((s.pins == NULL) == (s.pin_count == 0), "pins and pin_count agree");
    require(s.block_index < (int)tg_policy_block_count(p), "block index in range");
}

/* Lower-level properties of one word used as a pattern. */
static void check_pattern(const char *pat, const char *host)
{
    int m = tg_host_pattern_match(pat, host);
    const char *why = tg_host_pattern_check(pat, strlen(pat));

    require(m >= -1 && m <= 1, "match result range");
    require((m == -1) == (why != NULL), "match and check agree on validity");
}

/* What the strict decoder accepts must encode back to exactly the input. */
static void check_base64(const uint8_t *data, size_t size)
{
    unsigned char out[96];
    char enc[132];
    size_t n;

    if (size > 128 || tg_base64_decode((const char *)data, size, out, sizeof(out), &n) != 0)
        return;
    unit_base64(out, n, enc);
    require(strlen(enc) == size && memcmp(enc, data, size) == 0, "base64 decode is canonical");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tg_diags d;
    struct tg_policy *p;
    char *text, *words[MAX_WORDS], *s, *save = NULL, line[512];
    size_t i, j, nwords = 0;

    p = tg_policy_parse((const char *)data, size, "fuzz", &d);
    require((p != NULL) == (d.errors == 0), "policy returned iff no errors");
    require(d.count <= d.cap && d.count <= d.errors + d.warnings, "diag counts");
    for (i = 0; i < d.count; i++) {
        require(tg_diag_format(&d, i, line, sizeof(line)) >= 0, "diag formats");
        require(d.items[i].line >= 0, "diag line");
    }
    tg_diags_free(&d);

    check_base64(data, size);

    /* Words of the input, as NUL-terminated strings. */
    text = malloc(size + 1);
    if (text == NULL)
        goto out;
    memcpy(text, data, size);
    text[size] = '\0';
    for (s = strtok_r(text, " \t\r\n#", &save); s != NULL && nwords < MAX_WORDS;
         s = strtok_r(NULL, " \t\r\n#", &save))
        words[nwords++] = s;

    for (i = 0; i < nwords && i < 6; i++)
        for (j = 0; j < nwords && j < 6; j++)
            check_pattern(words[i], words[j]);

    if (p != NULL) {
        char host[600];

        check_lookup(p, NULL);
        check_lookup(p, "");
        for (i = 0; i < nwords; i++) {
            const char *w = words[i];

            if (strncmp(w, "**.", 3) == 0)
                w += 3;
            else if (strncmp(w, "*.", 2) == 0)
                w += 2;
            check_lookup(p, words[i]);
            snprintf(host, sizeof(host), "%.500s", w);
            check_lookup(p, host);
            snprintf(host, sizeof(host), "x.%.500s", w);
            check_lookup(p, host);
            snprintf(host, sizeof(host), "X.y.%.500s.", w);
            check_lookup(p, host);
            snprintf(host, sizeof(host), ".%.500s", w);
            check_lookup(p, host);
        }
    }
    free(text);
out:
    tg_policy_free(p);
    return 0;
}
