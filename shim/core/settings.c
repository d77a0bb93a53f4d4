/*
 * settings.c — environment and policy, each read once.
 */
#include "settings.h"
#include "env_names.h"
#include "log.h"
#include "secure_env.h"
#include "once.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Read when TLSGUARD_POLICY is not (or, in a secure-execution process,
 * cannot be) set, if it exists: the way to give /etc/ld.so.preload and
 * clean-environment services a policy. */
#ifndef TG_DEFAULT_POLICY
#define TG_DEFAULT_POLICY "/etc/tlsguard.policy"
#endif

static struct tg_settings settings;
static tg_once_t policy_once = TG_ONCE_INIT;
static struct tg_policy *policy;
static char policy_error[512];

/* NULL in a secure-execution process (shim/libc/secure_env.c decides). */
static void copy_env(char *dst, size_t n, const char *name)
{
    const char *v = tg_secure_getenv(name);
    size_t len = v ? strnlen(v, n - 1) : 0; /* cut as snprintf would, for less */
    memcpy(dst, v ? v : "", len);
    dst[len] = '\0';
}

void tg_settings_read_env(void)
{
    char mode[16];
    settings.secure = tg_secure_execution();
    copy_env(settings.policy_path, sizeof settings.policy_path, tg_env_name[TG_ENV_POLICY]);
    copy_env(settings.log_override, sizeof settings.log_override, tg_env_name[TG_ENV_LOG]);
    copy_env(settings.report_path, sizeof settings.report_path, tg_env_name[TG_ENV_REPORT]);
    copy_env(mode, sizeof mode, tg_env_name[TG_ENV_MODE]);
    settings.force_audit = !strcmp(mode, "audit");
    enum tg_log_kind kind;
    if (settings.log_override[0] && tg_log_dest_parse(settings.log_override, &kind) == 0)
        tg_log_set_destination(kind, settings.log_override);
    tg_log_set_report(settings.report_path);
}

const struct tg_settings *tg_settings(void)
{
    return &settings;
}

static void apply_log_setting(const struct tg_global *g)
{
    if (settings.log_override[0])
        return; /* the command line wins over the file */
    tg_log_set_destination(g->log_kind, g->log_path);
    tg_log_set_allowed(g->log_allowed);
}

static void load_policy(void)
{
    struct tg_diags d;
    struct stat st;
    memset(&d, 0, sizeof d);
    const char *path = settings.policy_path;
    if (!path[0] && lstat(TG_DEFAULT_POLICY, &st) == 0)
        path = TG_DEFAULT_POLICY;
    if (path[0]) {
        policy = tg_policy_load_file(path, &d);
        if (!policy) {
            /* The first error names the file and line. */
            size_t i = 0;
            while (i < d.count && d.items[i].is_warning)
                i++;
            if (i < d.count)
                tg_diag_format(&d, i, policy_error, sizeof policy_error);
            else
                snprintf(policy_error, sizeof policy_error, "%.400s: cannot load policy", path);
        }
    } else {
        policy = tg_policy_default();
        if (!policy)
            snprintf(policy_error, sizeof policy_error, "out of memory for the default policy");
    }
    tg_diags_free(&d);
    if (policy)
        apply_log_setting(tg_policy_global(policy));
}

const struct tg_policy *tg_settings_policy(const char **error)
{
    tg_once(&policy_once, load_policy);
    if (!policy && error)
        *error = policy_error;
    return policy;
}
