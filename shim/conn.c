/*
 * conn.c — per-SSL and per-SSL_CTX records in ex-data.
 */
#include "conn.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Creating a context's record is rare (the SSL_CTX_new hooks do it before
 * the context can be shared); the lock covers contexts made elsewhere,
 * whose first record may be wanted by several threads at once. */
static pthread_mutex_t ctx_create_lock = PTHREAD_MUTEX_INITIALIZER;


/* What a session's full handshake proved: the name its certificate was
 * verified for, and the pin set its chain matched (if any). */
struct session_mark {
    const struct tg_pin *pins;
    int host_is_ip;
    char host[]; /* NUL-terminated */
};

static size_t mark_size(const struct session_mark *m)
{
    return sizeof *m + strlen(m->host) + 1;
}

static void free_record(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    free(ptr);
}

/* SSL_dup/SSL_CTX copies would otherwise share (and double-free) the
 * record: the copy starts with none. `from_d` is really a void **. */
static int dup_record(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d, int idx,
                      long argl, void *argp)
{
    (void)to; (void)from; (void)idx; (void)argl; (void)argp;
    *(void **)from_d = NULL;
    return 1;
}

/* A session copy carries the mark (a fresh allocation of its own). */
static int dup_mark(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d, int idx,
                    long argl, void *argp)
{
    (void)to; (void)from; (void)idx; (void)argl; (void)argp;
    struct session_mark **slot = from_d, *copy = NULL;
    if (*slot && (copy = malloc(mark_size(*slot))) != NULL)
        memcpy(copy, *slot, mark_size(*slot));
    *slot = copy;
    return 1;
}

int tg_conn_init(const struct tg_ossl *o)
{
    struct tg_ossl_state *st = o->state;
    st->ssl_idx = tg_ossl_ex_index(o, 0, dup_record, free_record);
    st->ctx_idx = tg_ossl_ex_index(o, 1, dup_record, free_record);
    st->session_idx = tg_ossl_ex_index(o, 2, dup_mark, free_record);
    return st->ssl_idx < 0 || st->ctx_idx < 0 || st->session_idx < 0 ? -1 : 0;
}

static struct session_mark *session_mark(const struct tg_ossl *o, SSL_SESSION *s)
{
    return s ? o->SSL_SESSION_get_ex_data(s, o->state->session_idx) : NULL;
}

const struct tg_pin *tg_session_pins(const struct tg_ossl *o, SSL_SESSION *s)
{
    struct session_mark *m = session_mark(o, s);
    return m ? m->pins : NULL;
}

int tg_session_verified_for(const struct tg_ossl *o, SSL_SESSION *s, const char *host, int host_is_ip)
{
    struct session_mark *m = session_mark(o, s);
    return m && m->host[0] && m->host_is_ip == host_is_ip && !strcasecmp(m->host, host);
}

void tg_session_mark(const struct tg_ossl *o, SSL_SESSION *s, const struct tg_pin *pins,
                     const char *host, int host_is_ip)
{
    size_t len = strlen(host);
    struct session_mark *m;
    /* A session has one full handshake; once marked, other threads may be
     * reading the mark (sessions are shared for resumption): never replaced. */
    if (!s || session_mark(o, s))
        return;
    m = malloc(sizeof *m + len + 1);
    if (!m)
        return;
    m->pins = pins;
    m->host_is_ip = host_is_ip;
    memcpy(m->host, host, len + 1);
    if (!o->SSL_SESSION_set_ex_data(s, o->state->session_idx, m))
        free(m);
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

void tg_conn_reset(struct tg_conn *c)
{
    memset(c, 0, sizeof *c);
}

struct tg_ctx *tg_ctx_get(const struct tg_ossl *o, SSL_CTX *ctx, int create)
{
    struct tg_ctx *t = o->SSL_CTX_get_ex_data(ctx, o->state->ctx_idx);
    if (t || !create)
        return t;
    pthread_mutex_lock(&ctx_create_lock);
    t = o->SSL_CTX_get_ex_data(ctx, o->state->ctx_idx);
    if (!t && (t = calloc(1, sizeof *t)) != NULL &&
        !o->SSL_CTX_set_ex_data(ctx, o->state->ctx_idx, t)) {
        free(t);
        t = NULL;
    }
    pthread_mutex_unlock(&ctx_create_lock);
    return t;
}
