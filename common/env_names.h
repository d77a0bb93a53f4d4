/*
 * env_names.h — the TLSGUARD_* environment variables, one list: the shim
 * reads them (shim/core/settings.c), passes them on to every child it
 * covers (shim/libc/exec_env.c), and `tlsguard run` sets them.
 */
#ifndef TG_ENV_NAMES_H
#define TG_ENV_NAMES_H

/* X(id, name): the ones a covered process passes to its children first. */
#define TG_ENV_VARS(X)                                                                             \
    X(POLICY, "TLSGUARD_POLICY") /* the policy file */                                             \
    X(MODE, "TLSGUARD_MODE")     /* "audit": block nothing (tlsguard run --audit) */               \
    X(LOG, "TLSGUARD_LOG")       /* stderr|syslog|none|/path, over the policy's */                 \
    X(REPORT, "TLSGUARD_REPORT") /* where every process appends its decisions */                   \
    X(LIB, "TLSGUARD_LIB")       /* `tlsguard run`: where libtlsguard.so is */

enum tg_env_var {
#define TG_ENV_ENUM(id, name) TG_ENV_##id,
    TG_ENV_VARS(TG_ENV_ENUM)
#undef TG_ENV_ENUM
    TG_ENV_COUNT
};

/* The first TG_ENV_INHERITED of the list are the settings a covered process
 * hands down (TLSGUARD_LIB is the tool's alone). */
#define TG_ENV_INHERITED TG_ENV_LIB

/* "TLSGUARD_POLICY", ... by enum tg_env_var. */
extern const char *const tg_env_name[TG_ENV_COUNT];

#endif
