/*
 * settings.h — what the environment and the policy file say, read once.
 *
 * In a secure-execution process (setuid/setgid, AT_SECURE) every TLSGUARD_*
 * variable is ignored: the built-in policy applies.
 */
#ifndef TG_SETTINGS_H
#define TG_SETTINGS_H

#include "policy.h"

struct tg_settings {
    char policy_path[4096];  /* TLSGUARD_POLICY, "" when unset (then
                                /etc/tlsguard.policy is read if it exists) */
    int force_audit;         /* TLSGUARD_MODE=audit (tlsguard run --audit) */
    char log_override[4096]; /* TLSGUARD_LOG: stderr|syslog|none|/path, "" when unset */
    char report_path[4096];  /* TLSGUARD_REPORT (tlsguard run --report), "" when unset */
    int secure;              /* AT_SECURE: the variables above were ignored */
};

/* Read the environment; from tg_init(), once. */
void tg_settings_read_env(void);
const struct tg_settings *tg_settings(void);

/* The policy, loaded on first call (never at start-up) and kept for the
 * process's life. NULL when the file is unreadable or invalid: then `error`
 * holds "FILE:LINE: message" and every client connection fails closed. */
const struct tg_policy *tg_settings_policy(const char **error);

#endif
