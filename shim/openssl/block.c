/*
 * block.c — a verdict applied the OpenSSL way: the error on the queue
 * (the log line and the error's text are the core's, report.h).
 */
#include "block.h"
#include "fork_lock.h"
#include "log.h"
#include "ossl_backend.h"
#include "verdict_log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/*
 * The error a block leaves names tlsguard, the host, the port and the
 * reason in its reason string, because that string is all most programs
 * show: Python 2 prints ERR_error_string() of the first error, Python 3 the
 * reason string of the last, neither the error's data. So each block's text
 * gets a reason code of its own: a ring of TEXT_SLOTS writable strings,
 * loaded once per libssl copy (ERR_load_strings keeps the pointers and reads
 * them whenever a text is asked for). A slot is rewritten only after
 * TEXT_SLOTS later blocks: by then its program has read it (the queue is
 * per thread, and programs report a failure right after the call).
 */
#define TEXT_SLOTS 64
/* ERR_error_string() fills 256 bytes: "error:XXXXXXXX:tlsguard:func(0):"
 * (32) + the reason string + NUL. */
#define TEXT_LEN         224
#define TEXT_REASON_BASE 100 /* codes 100..163; 1.x's reason field is 12 bits */
#define FALLBACK_REASON  99
static const char fallback_text[] = "tlsguard: connection blocked by policy";
static char texts[TEXT_SLOTS][TEXT_LEN];
/* A writer holds a slot's flag; acquire/release orders successive writers. */
static int slot_busy[TEXT_SLOTS];
static unsigned next_slot;
static __thread int last_slot = -1;

/* ERR_load_strings keeps pointers into these and patches the library
 * number in place, so they are static and writable: one set per libssl
 * copy (libs.c registers at most 4). */
struct err_string {
    unsigned long error;
    const char *string;
};
#define MAX_COPIES 4
static struct err_string reasons[MAX_COPIES][TEXT_SLOTS + 2];
static struct err_string lib_name[MAX_COPIES][2];
static int registered;
static TG_FORK_LOCK(register_lock);

/* Registered at the first block, not when the copy is first seen: loading
 * the strings is ~176 k instructions on 1.1.1, a cost a short-lived program
 * that is never blocked should not pay. */
static void ensure_registered(const struct tg_ossl *o)
{
    struct tg_ossl_state *st = o->state;
    if (__atomic_load_n(&st->err_ready, __ATOMIC_ACQUIRE))
        return;
    tg_fork_lock(&register_lock);
    if (!st->err_ready) {
        tg_block_init(o);
        __atomic_store_n(&st->err_ready, 1, __ATOMIC_RELEASE);
    }
    tg_fork_unlock(&register_lock);
}

/* Under register_lock, once per copy. */
void tg_block_init(const struct tg_ossl *o)
{
    int k = registered++;
    if (k >= MAX_COPIES)
        return;
    o->state->err_lib = o->ERR_get_next_error_library();
    for (int i = 0; i < TEXT_SLOTS; i++) {
        reasons[k][i].error = tg_ossl_err_pack(o, 0, TEXT_REASON_BASE + i);
        reasons[k][i].string = texts[i];
    }
    reasons[k][TEXT_SLOTS].error = tg_ossl_err_pack(o, 0, FALLBACK_REASON);
    reasons[k][TEXT_SLOTS].string = fallback_text;
    o->ERR_load_strings(o->state->err_lib, reasons[k]);
    lib_name[k][0].error = tg_ossl_err_pack(o, o->state->err_lib, 0);
    lib_name[k][0].string = "tlsguard";
    o->ERR_load_strings(0, lib_name[k]);
}

static int slot_take(int k)
{
    return !__atomic_exchange_n(&slot_busy[k], 1, __ATOMIC_ACQUIRE);
}

static void slot_give(int k)
{
    __atomic_store_n(&slot_busy[k], 0, __ATOMIC_RELEASE);
}

/* The reason code whose string is `text` (truncated to fit): this thread's
 * last slot when it already says the same (a refused call in a loop), else
 * the next free one; FALLBACK_REASON when every slot is being written.
 * Byte TEXT_LEN - 1 of a slot is never written, so a reader racing a
 * rewrite sees a mixed text, never an unterminated one. */
static int text_reason(const char *text)
{
    int k = last_slot;
    if (k >= 0 && slot_take(k)) {
        int same = !strncmp(texts[k], text, TEXT_LEN - 1);
        slot_give(k);
        if (same)
            return TEXT_REASON_BASE + k;
    }
    for (int tries = 0; tries < TEXT_SLOTS; tries++) {
        k = (int)(__atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED) % TEXT_SLOTS);
        if (!slot_take(k))
            continue;
        size_t n = strlen(text);
        if (n > TEXT_LEN - 1) {
            memcpy(texts[k], text, TEXT_LEN - 4);
            memcpy(texts[k] + TEXT_LEN - 4, "...", 4);
        } else {
            memcpy(texts[k], text, n + 1);
        }
        slot_give(k);
        last_slot = k;
        return TEXT_REASON_BASE + k;
    }
    return FALLBACK_REASON;
}

/* The block's error, first and last on the queue: "tlsguard: blocked
 * host=H port=P: why". The full text also travels as the error's data when
 * the reason string had to be cut (or could not be registered). */
static void push(const struct tg_ossl *o, const struct tg_verdict *v, const struct tg_where *w)
{
    char text[512];
    tg_verdict_error_text(v, w, text, sizeof text);
    ensure_registered(o);
    int reason = text_reason(text);
    int cut = reason == FALLBACK_REASON || strlen(text) > TEXT_LEN - 1 || !o->state->err_lib;
    tg_ossl_err_push_first_last(o, o->state->err_lib, reason, cut ? text : NULL);
}

void tg_block(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    struct tg_where w;
    tg_verdict_log_block(&tg_openssl_backend, TG_BC(o, ssl), &c->v, &w);
    push(o, &c->v, &w);
}

void tg_block_audit(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    tg_verdict_log_audit(&tg_openssl_backend, TG_BC(o, ssl), &c->v);
}

void tg_block_allow(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    tg_verdict_log_allow(&tg_openssl_backend, TG_BC(o, ssl), &c->v, &c->rules);
}

void tg_block_refuse(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    struct tg_where w;
    tg_peer_where(&tg_openssl_backend, TG_BC(o, ssl), c->v.host, &w);
    push(o, &c->v, &w);
}

void tg_block_internal(const struct tg_ossl *o, const SSL *ssl, const char *why)
{
    struct tg_conn tmp;
    memset(&tmp, 0, sizeof tmp);
    tg_verdict_note(&tmp.v, TG_R_INTERNAL, "%s", why);
    if (o && ssl) {
        tg_block(o, ssl, &tmp);
        return;
    }
    struct tg_decision d = { .action = "block", .reason = why };
    tg_log_decision(&d);
}
