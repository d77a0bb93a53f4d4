/*
 * log_dest.h — the one spelling of a log destination: the policy's `log`
 * directive, TLSGUARD_LOG (shim/core/settings.c) and `tlsguard run --log`.
 */
#ifndef TG_LOG_DEST_H
#define TG_LOG_DEST_H

#include "policy.h"

/* "stderr", "syslog", "none" or an absolute path (TG_LOG_FILE, the text is
 * the path): 0 with *kind set, or -1 for anything else. */
int tg_log_dest_parse(const char *text, enum tg_log_kind *kind);

#endif
