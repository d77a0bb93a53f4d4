/*
 * cmd_check.c — `tlsguard check FILE`: validate a policy the way the shim
 * will read it. Errors as "file:line: message" and exit 1; warnings (a host
 * block with a single pin: no backup for a key rotation) and exit 0.
 */
#include "tlsguard.h"
#include "policy.h"

#include <stdio.h>
#include <string.h>

int tg_cmd_check(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: tlsguard check FILE\n");
        return 2;
    }
    struct tg_diags d;
    memset(&d, 0, sizeof d);
    struct tg_policy *p = tg_policy_load_file(argv[1], &d);
    for (size_t i = 0; i < d.count; i++) {
        char line[512];
        tg_diag_format(&d, i, line, sizeof line);
        fprintf(d.items[i].is_warning ? stdout : stderr, "%s\n", line);
    }
    if (d.truncated)
        fprintf(stderr, "%s: more problems not shown\n", argv[1]);
    int rc = p ? 0 : 1;
    if (p)
        printf("%s: ok (%zu host block%s%s)\n", argv[1], tg_policy_block_count(p),
               tg_policy_block_count(p) == 1 ? "" : "s", d.warnings ? ", with warnings" : "");
    tg_policy_free(p);
    tg_diags_free(&d);
    return rc;
}
