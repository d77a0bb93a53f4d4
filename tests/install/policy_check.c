/*
 * policy_check.c — parse policy files with the library's own parser
 * (the policy/ sources the shim links) and print every diagnostic.
 *
 *   policy_check [--no-warnings] FILE...
 *
 * The text is parsed with tg_policy_parse, not tg_policy_load_file: the
 * file's owner and mode in a source tree depend on who checked it out,
 * which says nothing about the example itself (the installed copy gets the
 * full check from `tlsguard check`).  Exit 0 when every file parses (and,
 * with --no-warnings, has no warning), else 1.
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(const char *path, int no_warnings)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    struct tg_diags d;
    struct tg_policy *p;
    int bad;

    if (!f) {
        perror(path);
        return 1;
    }
    do {
        if (len == cap) {
            char *bigger = realloc(text, cap = cap ? cap * 2 : 65536);
            if (!bigger) {
                fclose(f);
                free(text);
                fprintf(stderr, "%s: out of memory\n", path);
                return 1;
            }
            text = bigger;
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);

    memset(&d, 0, sizeof d);
    p = tg_policy_parse(text, len, path, &d);
    for (size_t i = 0; i < d.count; i++) {
        char line[512];
        tg_diag_format(&d, i, line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    bad = !p || (no_warnings && d.warnings > 0);
    if (p)
        printf("%s: parses: %zu host block%s, %zu warning%s\n", path, tg_policy_block_count(p),
               tg_policy_block_count(p) == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
    tg_policy_free(p);
    tg_diags_free(&d);
    free(text);
    return bad;
}

int main(int argc, char **argv)
{
    int i = 1, no_warnings = 0, rc = 0;
    if (i < argc && !strcmp(argv[i], "--no-warnings")) {
        no_warnings = 1;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: policy_check [--no-warnings] FILE...\n");
        return 2;
    }
    for (; i < argc; i++)
        rc |= check(argv[i], no_warnings);
    return rc;
}
