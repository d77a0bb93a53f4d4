/*
 * exec_env.c — building a covered environment without allocating (it may
 * run in a vfork child), and telling which children LD_PRELOAD cannot reach.
 */
#include "exec_env.h"
#include "coverage.h"
#include "env_names.h"
#include "log.h"
#include "own_file.h"
#include "settings.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NVARS TG_ENV_INHERITED
static char lib_path[PATH_MAX];
static char vars[NVARS][4200]; /* "TLSGUARD_X=value", "" when unset */
static size_t var_names[NVARS];

void tg_exec_env_capture(void)
{
    const struct tg_settings *s = tg_settings();
    const char *self = tg_own_file();
    if (s->secure)
        return; /* a privileged process passes nothing of ours on */
    if (self && !realpath(self, lib_path))
        lib_path[0] = '\0';
    const char *values[NVARS] = { [TG_ENV_POLICY] = s->policy_path,
                                  [TG_ENV_MODE] = s->force_audit ? "audit" : "",
                                  [TG_ENV_LOG] = s->log_override,
                                  [TG_ENV_REPORT] = s->report_path };
    for (int i = 0; i < NVARS; i++) {
        var_names[i] = strlen(tg_env_name[i]) + 1; /* with '=' */
        if (values[i] && values[i][0])
            snprintf(vars[i], sizeof vars[i], "%s=%s", tg_env_name[i], values[i]);
    }
}

size_t tg_exec_env_size(char *const *envp)
{
    size_t n = 0;
    while (envp && envp[n])
        n++;
    return n + 1 + NVARS + 1;
}

/* Does the colon- or space-separated list contain `path`? */
static int lists(const char *list, const char *path)
{
    size_t len = strlen(path);
    for (const char *p = list; (p = strstr(p, path)) != NULL; p += len) {
        int starts = p == list || p[-1] == ':' || p[-1] == ' ';
        int ends = p[len] == '\0' || p[len] == ':' || p[len] == ' ';
        if (starts && ends)
            return 1;
    }
    return 0;
}

char *const *tg_exec_env_build(char *const *envp, char **slots, size_t n, char *buf, size_t buflen)
{
    size_t k = 0;
    int have_preload = 0, have[NVARS] = { 0 };
    if (!lib_path[0])
        return envp;
    for (size_t i = 0; envp && envp[i] && k + NVARS + 2 < n; i++) {
        char *e = envp[i];
        if (!strncmp(e, "LD_PRELOAD=", 11)) {
            have_preload = 1;
            if (!lists(e + 11, lib_path)) {
                int w =
                    snprintf(buf, buflen, "LD_PRELOAD=%s%s%s", lib_path, e[11] ? ":" : "", e + 11);
                if (w < 0 || (size_t)w >= buflen)
                    return envp;
                e = buf;
            }
        }
        for (int v = 0; v < NVARS; v++)
            if (vars[v][0] && !strncmp(e, vars[v], var_names[v]))
                have[v] = 1;
        slots[k++] = e;
    }
    if (!have_preload) {
        int w = snprintf(buf, buflen, "LD_PRELOAD=%s", lib_path);
        if (w < 0 || (size_t)w >= buflen)
            return envp;
        slots[k++] = buf;
    }
    for (int v = 0; v < NVARS; v++)
        if (vars[v][0] && !have[v])
            slots[k++] = vars[v];
    slots[k] = NULL;
    return slots;
}

/* execvp's PATH search, only to know which file will run. */
static int find_in_path(const char *file, char *out, size_t n)
{
    const char *path = getenv("PATH");
    if (strchr(file, '/')) {
        snprintf(out, n, "%s", file);
        return 1;
    }
    if (!path)
        path = "/bin:/usr/bin";
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int w = snprintf(out, n, "%.*s/%s", (int)len, len ? p : ".", file);
        if (w > 0 && (size_t)w < n && access(out, X_OK) == 0)
            return 1;
        p += len + (end ? 1 : 0);
        if (!end)
            break;
    }
    return 0;
}

/* The rules (setuid/setgid, capabilities, static, Go, a TLS library the shim
 * does not cover) are policy/coverage.c's, shared with `tlsguard doctor`;
 * they cost a stat and a few bounded preads of the child's headers. */
void tg_exec_check_target(const char *file, int search)
{
    char path[PATH_MAX], why[256], reason[PATH_MAX + 300];
    if (!lib_path[0] || !file ||
        !(search ? find_in_path(file, path, sizeof path)
                 : snprintf(path, sizeof path, "%s", file) > 0))
        return;
    if (!tg_exec_uncovered_reason(path, why, sizeof why))
        return;
    snprintf(reason, sizeof reason, "child %s %s: its TLS is not covered", path, why);
    tg_settings_policy(NULL); /* the policy says where the log goes */
    struct tg_decision d = { .action = "notice", .reason = reason };
    tg_log_decision(&d);
}
