/*
 * gt_records.h — what the GnuTLS backend remembers about each session,
 * credentials object and priority cache: side tables keyed by the object's
 * address (GnuTLS has no ex-data, and the program must see nothing of
 * ours). A session's record is freed in gnutls_deinit.
 */
#ifndef TG_GT_RECORDS_H
#define TG_GT_RECORDS_H

#include "gt_memo.h"
#include "gtls.h"
#include "policy.h"
#include "rules.h"
#include "verdict.h"

struct tg_gt_rec {
    tg_gt_session session;
    unsigned is_client : 1;
    unsigned started : 1;          /* the first handshake call applied the rules */
    unsigned verified : 1;         /* this handshake's chain passed our checks */
    unsigned judged : 1;           /* the handshake's end was judged */
    unsigned seen_server : 1;      /* the server chose a version (its certificate came) */
    unsigned finished : 1;         /* the handshake completed */
    unsigned floor_raised : 1;     /* our priority may differ from the program's */
    unsigned custom_transport : 1; /* push function of its own: no fd to read */
    unsigned prio_set : 1;         /* the program set a priority (prio below) */
    unsigned resume_ok : 1;        /* the session data it set was verified for `resume_host` */
    unsigned block_counted : 1;    /* counted in tg_gt_any_blocked's number */
    unsigned deferred : 1;         /* our certificate check waits for GnuTLS's auto-verify */
    char *prio;                    /* its priority string (malloc'd); NULL: the default */
    unsigned prio_flags;           /* gnutls_priority_init2's flags */
    int offered_max;               /* the floored priority's highest version (wire), 0: unknown */
    tg_gt_verify_fn prog_verify;   /* its session-level verify function */
    char prog_host[256];           /* gnutls_session_set_verify_cert's name */
    char sni[256];                 /* gnutls_server_name_set's (a client cannot read it back) */
    char resume_host[256];
    const struct tg_pin *resume_pins;
    unsigned ask_epoch;        /* gt_ask.c: moves on when an input of its question changes */
    struct tg_rules rules;     /* the policy for THE name (core/rules.h) */
    struct tg_verdict verdict; /* what the core concluded (core/verdict.h) */
    struct tg_gt_memo memo;    /* this handshake's chain verdict (gt_memo.h) */
};

/* The record of `s`; created when `create` (NULL only on OOM). */
struct tg_gt_rec *tg_gt_rec_get(tg_gt_session s, int create);
/* Forget `s` (gnutls_deinit). */
void tg_gt_rec_free(tg_gt_session s);

/* The record and data path: `r` is blocked (counted once, until freed);
 * whether any record in the process is, one atomic load, so that the
 * record calls of a process with no blocked session look nothing up. */
void tg_gt_rec_count_block(struct tg_gt_rec *r);
int tg_gt_any_blocked(void);

/* Credentials: the verify function the program set on them. */
void tg_gt_cred_set_verify(tg_gt_cred cred, tg_gt_verify_fn fn);
tg_gt_verify_fn tg_gt_cred_verify(tg_gt_cred cred);

/* Priority caches: the string and flags each was made from (`str` NULL:
 * the default), copied into a session's record when set on it. */
void tg_gt_prio_remember(tg_gt_prio p, const char *str, unsigned flags);
/* 1 and the string (malloc'd copy, NULL for the default) when known. */
int tg_gt_prio_lookup(tg_gt_prio p, char **str, unsigned *flags);
void tg_gt_prio_forget(tg_gt_prio p);

/* Session data the program took from a verified connection: what it was
 * verified for, found again when the data is set on a new session. */
void tg_gt_ticket_mark(const void *data, size_t len, const char *host, const struct tg_pin *pins);
int tg_gt_ticket_lookup(const void *data, size_t len, char *host, size_t n,
                        const struct tg_pin **pins);

#endif
