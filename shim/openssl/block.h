/*
 * block.h — the one fail-closed path: a verdict (shim/core/verdict.h)
 * becomes one log line (shim/core/verdict_log.h) and one OpenSSL error whose
 * text names tlsguard and the reason.
 */
#ifndef TG_BLOCK_H
#define TG_BLOCK_H

#include "conn.h"
#include "ossl.h"

/* Register the "tlsguard" error library and its reason strings (block.c
 * does it at a copy's first block). */
void tg_block_init(const struct tg_ossl *o);

/* Block the connection for the reason on its verdict: mark it, log once,
 * and put the error on the queue. */
void tg_block(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c);

/* Audit mode: log once what would have blocked the connection, with the
 * same reason, as action=audit; the connection goes on. */
void tg_block_audit(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c);

/* The connection passed: an allow record (logged only with log-allowed,
 * always in the run report), and a notice when its pins had expired. */
void tg_block_allow(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c);

/* A later call on a blocked connection: error on the queue, no log. */
void tg_block_refuse(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c);

/* The shim could not work out a decision for `ssl` at all (no memory, no
 * usable libssl): fail closed with what can still be done. */
void tg_block_internal(const struct tg_ossl *o, const SSL *ssl, const char *why);

#endif
