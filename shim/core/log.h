/*
 * log.h — the shim's only output: one line per decision, never in the
 * success path unless asked (log-allowed yes), never blocking or crashing
 * the host program.
 */
#ifndef TG_LOG_H
#define TG_LOG_H

#include "log_dest.h"

struct tg_decision {
    const char *action;   /* "block", "audit" (would block), "allow", "notice" */
    const char *host;     /* NULL: unknown */
    int port;             /* 0: unknown */
    const char *protocol; /* NULL: not negotiated */
    const char *cipher;   /* NULL: not negotiated */
    const char *reason;
};

/* Opens the private copy of stderr; called once from settings init. */
void tg_log_open(void);
/* stderr, syslog, none or the absolute file `path` (appended); the text
 * is read by tg_log_dest_parse (policy/log_dest.h). */
void tg_log_set_destination(enum tg_log_kind kind, const char *path);
/* Log allowed connections too (policy: log-allowed yes). */
void tg_log_set_allowed(int yes);
/* Every decision (allowed connections and notices too) is also appended to
 * this file as its log line, whatever the log destination: the file that
 * `tlsguard run --report/--fail-on` reads back (TLSGUARD_REPORT). */
void tg_log_set_report(const char *path);
/* "tlsguard: time=… pid=… program=… action=… host=… port=… protocol=…
 * cipher=… reason=\"…\"". Allowed connections only when asked. */
void tg_log_decision(const struct tg_decision *d);
/* Whether an "allow" decision goes anywhere (log-allowed, a report file):
 * if not, the caller need not gather its details. */
int tg_log_wants_allowed(void);
/* "tlsguard: error: <msg>" — the shim cannot do its job (no usable TLS library, …). */
void tg_log_internal(const char *msg);

#endif
