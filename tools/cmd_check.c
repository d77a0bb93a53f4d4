/*
 * cmd_check.c — `tlsguard check FILE`: validate a policy the way the shim
 * will read it. Errors as "file:line: message" and exit 1; warnings (a host
 * block with a single pin: no backup for a key rotation; a ca-file or ca-dir,
 * global or per host, that cannot be read: its hosts would fail to verify)
 * and exit 0.
 */
#include "tlsguard.h"
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tg_policy *tg_tool_load_policy(const char *cmd, const char *path)
{
    struct tg_diags d;
    memset(&d, 0, sizeof d);
    struct tg_policy *p = tg_policy_load_file(path, &d);
    for (size_t i = 0; !p && i < d.count; i++) {
        char line[512];
        if (d.items[i].is_warning)
            continue;
        tg_diag_format(&d, i, line, sizeof line);
        fprintf(stderr, "tlsguard %s: %s\n", cmd, line);
    }
    tg_diags_free(&d);
    return p;
}

/* Anchors the shim could not load leave their hosts failing verification:
 * say so now. Returns the number of warnings printed. */
static size_t check_ca_paths(const char *file, const struct tg_policy *p)
{
    struct tg_policy_ca_path v[64];
    size_t n = tg_policy_ca_paths(p, v, 64), warned = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        struct stat st;
        const char *what = v[i].is_dir ? "ca-dir" : "ca-file";
        const char *why = NULL;
        if (stat(v[i].path, &st) != 0)
            why = strerror(errno);
        else if (v[i].is_dir ? !S_ISDIR(st.st_mode) : S_ISDIR(st.st_mode))
            why = v[i].is_dir ? "not a directory" : "is a directory";
        else if (access(v[i].path, v[i].is_dir ? R_OK | X_OK : R_OK) != 0)
            why = strerror(errno);
        if (!why)
            continue;
        printf("%s:%d: warning: %s %s: %s (connections %s would fail to verify)\n", file, v[i].line,
               what, v[i].path, why,
               v[i].block_index < 0 ? "that need it" : "to this block's hosts");
        warned++;
    }
    return warned;
}

int tg_cmd_check(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (tg_is_help(argv[i]))
            return tg_help("check");
        if (argv[i][0] == '-' && argv[i][1])
            return tg_unknown_option("check", argv[i]);
    }
    if (argc != 2)
        return tg_usage_error("check", "usage: tlsguard check FILE");
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
    size_t ca_warnings = p ? check_ca_paths(argv[1], p) : 0;
    if (p)
        printf("%s: ok (%zu host block%s%s)\n", argv[1], tg_policy_block_count(p),
               tg_policy_block_count(p) == 1 ? "" : "s",
               d.warnings || ca_warnings ? ", with warnings" : "");
    tg_policy_free(p);
    tg_diags_free(&d);
    return rc;
}
