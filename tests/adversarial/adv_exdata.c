/*
 * adv_exdata.c — a program with ex-data of its own on SSL, SSL_CTX and
 * SSL_SESSION, with new/dup/free callbacks (as stunnel has). It puts its data
 * on every context and SSL it makes, none on sessions, makes two connections
 * to a good server (the second resumes the first's session, TLS 1.3 tickets
 * where there are), frees everything and prints what its callbacks saw:
 *   exdata CLASS new=N dup=N dup_empty=N free=N free_own=N foreign=N
 * A dup of an empty slot, a pointer not its own, or counts that differ from
 * the same run without the shim: the shim changed what the program sees.
 *   exdata   the run above (exit 0 when its own checks hold)
 */
#include "adv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OWN_MAGIC 0x0a11ce5eu

struct own {
    unsigned magic;
};
struct counts {
    int news, dups, dup_empty, frees, free_own, foreign;
};
enum {
    C_SSL,
    C_CTX,
    C_SESS,
    C_N
};
static struct counts seen[C_N];
static const char *const class_name[C_N] = { "ssl", "ctx", "session" };

static int is_own(const void *p)
{
    return p && ((const struct own *)p)->magic == OWN_MAGIC;
}

/* CRYPTO_EX_new returned int before 1.1.0. */
#if OPENSSL_VERSION_NUMBER >= 0x10100000L
#define NEW_RESULT void
#define NEW_RETURN return
#else
#define NEW_RESULT int
#define NEW_RETURN return 1
#endif
static NEW_RESULT on_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                         void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argp;
    seen[argl].news++;
    if (ptr)
        seen[argl].foreign++;
    NEW_RETURN;
}

/* 1.1.0 made `from` const; 3.0 passes from_d as void ** (before: void * holding one). */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static int on_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx, long argl,
                  void *argp)
{
    void **slot = from_d;
#elif OPENSSL_VERSION_NUMBER >= 0x10100000L
static int on_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d, int idx, long argl,
                  void *argp)
{
    void **slot = (void **)from_d;
#else
static int on_dup(CRYPTO_EX_DATA *to, CRYPTO_EX_DATA *from, void *from_d, int idx, long argl,
                  void *argp)
{
    void **slot = (void **)from_d;
#endif
    (void)to;
    (void)from;
    (void)idx;
    (void)argp;
    seen[argl].dups++;
    if (!*slot)
        seen[argl].dup_empty++; /* stunnel's cb_dup_addr dereferences this */
    else if (!is_own(*slot))
        seen[argl].foreign++;
    else
        *slot = NULL; /* keep ownership simple: copies carry nothing */
    return 1;
}

static void on_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argp;
    seen[argl].frees++;
    if (is_own(ptr)) {
        seen[argl].free_own++;
        free(ptr);
    } else if (ptr) {
        seen[argl].foreign++;
    }
}

static struct own *own_new(void)
{
    struct own *o = malloc(sizeof *o);
    o->magic = OWN_MAGIC;
    return o;
}

static int connect_once(SSL_CTX *ctx, int ssl_idx, const struct adv *a, SSL_SESSION **sess)
{
    int fd = adv_tcp(a->port);
    if (fd < 0)
        return ADV_SETUP;
    SSL *ssl = adv_ssl(ctx, fd, a->sni);
    SSL_set_ex_data(ssl, ssl_idx, own_new());
    if (*sess)
        SSL_set_session(ssl, *sess);
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    printf("session reused: %s\n", SSL_session_reused(ssl) ? "yes" : "no");
    int rc = adv_write_marker(ssl, a);
    if (SSL_shutdown(ssl) == 0)
        SSL_shutdown(ssl); /* reads the TLS 1.3 tickets */
    if (*sess)
        SSL_SESSION_free(*sess);
    *sess = SSL_get1_session(ssl);
    SSL_free(ssl);
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_exdata");
    int ssl_idx = SSL_get_ex_new_index(C_SSL, NULL, on_new, on_dup, on_free);
    int ctx_idx = SSL_CTX_get_ex_new_index(C_CTX, NULL, on_new, on_dup, on_free);
    SSL_SESSION_get_ex_new_index(C_SESS, NULL, on_new, on_dup, on_free);
    SSL_CTX *ctx = adv_ctx();
    if (!ctx)
        return ADV_SETUP;
    SSL_CTX_set_ex_data(ctx, ctx_idx, own_new());
    SSL_SESSION *sess = NULL;
    int rc = connect_once(ctx, ssl_idx, &a, &sess);
    if (rc == ADV_OK)
        rc = connect_once(ctx, ssl_idx, &a, &sess);
    SSL_SESSION_free(sess);
    SSL_CTX_free(ctx);
    int bad = 0;
    for (int c = 0; c < C_N; c++) {
        const struct counts *s = &seen[c];
        printf("exdata %s new=%d dup=%d dup_empty=%d free=%d free_own=%d foreign=%d\n",
               class_name[c], s->news, s->dups, s->dup_empty, s->frees, s->free_own, s->foreign);
        bad |= s->dup_empty || s->foreign;
    }
    return rc != ADV_OK ? rc : bad ? 3 : ADV_OK;
}
