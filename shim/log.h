/*
 * log.h — the shim's only output: one line per decision, never in the
 * success path, never blocking or crashing the host program.
 */
#ifndef TG_LOG_H
#define TG_LOG_H

struct tg_decision {
    const char *action;   /* "block" (or "audit"/"allow" later) */
    const char *host;     /* NULL: unknown */
    int port;             /* 0: unknown */
    const char *protocol; /* NULL: not negotiated */
    const char *cipher;   /* NULL: not negotiated */
    const char *reason;
};

/* Opens the private copy of stderr; called once from settings init. */
void tg_log_open(void);
/* "tlsguard: time=… pid=… program=… action=… host=… port=… protocol=…
 * cipher=… reason=\"…\"" */
void tg_log_decision(const struct tg_decision *d);
/* "tlsguard: error: <msg>" — the shim cannot do its job (no libssl, …). */
void tg_log_internal(const char *msg);

#endif
