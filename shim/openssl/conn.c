/*
 * conn.c — per-SSL and per-SSL_CTX records in ex-data.
 */
#include "conn.h"
#include "fork_lock.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Creating a context's record is rare (the SSL_CTX_new hooks do it before
 * the context can be shared); the lock covers contexts made elsewhere,
 * whose first record may be wanted by several threads at once. */
static TG_FORK_LOCK(ctx_create_lock);

static void free_record(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    free(ptr);
}

/* SSL_dup/SSL_CTX copies would otherwise share (and double-free) the
 * record: the copy starts with none. `from_d` is really a void **. */
static int dup_record(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d, int idx,
                      long argl, void *argp)
{
    (void)to;
    (void)from;
    (void)idx;
    (void)argl;
    (void)argp;
    *(void **)from_d = NULL;
    return 1;
}

int tg_conn_init(const struct tg_ossl *o)
{
    struct tg_ossl_state *st = o->state;
    st->ssl_idx = tg_ossl_ex_index(o, 0, dup_record, free_record);
    st->ctx_idx = tg_ossl_ex_index(o, 1, dup_record, free_record);
    /* No ex-data on sessions: see sessions.h. */
    return st->ssl_idx < 0 || st->ctx_idx < 0 ? -1 : 0;
}

struct tg_conn *tg_conn_get(const struct tg_ossl *o, SSL *ssl, int create)
{
    struct tg_conn *c = o->SSL_get_ex_data(ssl, o->state->ssl_idx);
    if (c || !create)
        return c;
    c = calloc(1, sizeof *c);
    if (c && !o->SSL_set_ex_data(ssl, o->state->ssl_idx, c)) {
        free(c);
        c = NULL;
    }
    return c;
}

/* What the program set on the SSL survives SSL_clear, as in OpenSSL: all
 * before `rules` (conn.h keeps it first). */
void tg_conn_reset(struct tg_conn *c)
{
    size_t from = offsetof(struct tg_conn, rules);
    memset((char *)c + from, 0, sizeof *c - from);
}

tg_verify_fn tg_conn_prog_verify_cb(const struct tg_ossl *o, const SSL *ssl,
                                    const struct tg_conn *c)
{
    const struct tg_ctx *t;
    if (c && c->prog_verify_set)
        return c->prog_verify_cb;
    t = tg_ctx_get(o, o->SSL_get_SSL_CTX(ssl), 0);
    return t ? t->prog_verify_cb : NULL;
}

tg_info_fn tg_conn_prog_info_cb(const struct tg_ossl *o, const SSL *ssl, const struct tg_conn *c)
{
    const struct tg_ctx *t;
    if (c && c->prog_info_set)
        return c->prog_info_cb;
    t = tg_ctx_get(o, o->SSL_get_SSL_CTX(ssl), 0);
    return t ? t->prog_info_cb : NULL;
}

struct tg_ctx *tg_ctx_get(const struct tg_ossl *o, SSL_CTX *ctx, int create)
{
    struct tg_ctx *t = o->SSL_CTX_get_ex_data(ctx, o->state->ctx_idx);
    if (t || !create)
        return t;
    tg_fork_lock(&ctx_create_lock);
    t = o->SSL_CTX_get_ex_data(ctx, o->state->ctx_idx);
    if (!t && (t = calloc(1, sizeof *t)) != NULL &&
        !o->SSL_CTX_set_ex_data(ctx, o->state->ctx_idx, t)) {
        free(t);
        t = NULL;
    }
    tg_fork_unlock(&ctx_create_lock);
    return t;
}
