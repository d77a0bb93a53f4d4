/*
 * verdict_log.h — a verdict made visible: one log line per handshake (block,
 * audit, allow when asked, a notice for expired pins; each also goes to
 * the run report, log.h) and the text of the program's error.
 */
#ifndef TG_VERDICT_LOG_H
#define TG_VERDICT_LOG_H

#include "peer.h"
#include "verdict.h"

#include <stddef.h>

/* Block: mark the verdict blocked (a reason it lacks becomes an internal
 * one), log it once, and fill `w` for the error's text. */
void tg_verdict_log_block(const struct tg_backend *b, struct tg_backend_conn *bc,
                          struct tg_verdict *v, struct tg_where *w);

/* Audit: log once what would have blocked the connection, as
 * action=audit "would block: why"; the connection goes on. */
void tg_verdict_log_audit(const struct tg_backend *b, struct tg_backend_conn *bc,
                          struct tg_verdict *v);

/* Allowed: a notice when its pins had expired, an allow line ("verified",
 * "verified, pinned") when log-allowed or a run report wants it. Once. */
void tg_verdict_log_allow(const struct tg_backend *b, struct tg_backend_conn *bc,
                          struct tg_verdict *v, const struct tg_rules *r);

/* "tlsguard: blocked host=H port=P: why" (no port when unknown). */
void tg_verdict_error_text(const struct tg_verdict *v, const struct tg_where *w, char *buf,
                           size_t n);

#endif
