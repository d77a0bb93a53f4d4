/*
 * ossl.c — resolve one libssl's real symbols, and hide every OpenSSL
 * version difference behind helpers. (Which libssl a call belongs to is
 * libs.c's business.)
 */
#include "ossl.h"
#include "dynobj.h"
#include "symhash.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const SSL_METHOD *call(const SSL_METHOD *(*f)(void))
{
    return f ? f() : NULL;
}

/* Fill `t` from a libssl's scope (libssl, then its libcrypto). 0 on
 * success; else -1 with the first missing mandatory symbol in `missing`. */
int tg_ossl_resolve(struct tg_ossl *t, const struct tg_symscope *scope, const char **missing)
{
    *missing = NULL;
#define TG_SYM_RESOLVE(kind, ret, name, args)                                                      \
    {                                                                                              \
        TG_HASH_FITS(#name);                                                                       \
        void *p_ = tg_symscope_find_hashed(scope, #name, TG_GNU_HASH(#name));                      \
        if (p_ && tg_is_ours(p_))                                                                  \
            p_ = NULL;                                                                             \
        *(void **)&t->name = p_;                                                                   \
        if (!p_ && TG_SYM_IS_##kind && !*missing)                                                  \
            *missing = #name;                                                                      \
    }
#define TG_SYM_IS_M 1
#define TG_SYM_IS_O 0
    TG_OSSL_SYMBOLS(TG_SYM_RESOLVE)
#undef TG_SYM_RESOLVE
#ifdef TG_TEST_WITHOUT
    /* Test builds only: behave as if these optional symbols were absent, to
     * run the older-OpenSSL fallbacks against the libssl we have. */
#define TG_SYM_HIDE(kind, ret, name, args)                                                         \
    if (TG_SYM_IS_##kind == 0 && strstr(" " TG_TEST_WITHOUT " ", " " #name " "))                   \
        t->name = NULL;
    TG_OSSL_SYMBOLS(TG_SYM_HIDE)
#undef TG_SYM_HIDE
#endif

    /* libssl_path, ssl_base and crypto_base: filled by libs.c, which knows
     * where each loaded object lies without dladdr. */
    if (t->OpenSSL_version_num)
        t->version = t->OpenSSL_version_num();
    else if (t->SSLeay)
        t->version = t->SSLeay();
    t->major = (int)(t->version >> 28);
    t->minor = (int)((t->version >> 20) & 0xff);

    if (!*missing && t->major < 3 && !t->ERR_put_error)
        *missing = "ERR_put_error";
    if (!*missing && t->major >= 3 && !(t->ERR_new && t->ERR_set_debug && t->ERR_set_error))
        *missing = "ERR_set_error";
    if (!*missing && !t->CRYPTO_get_ex_new_index && !t->SSL_get_ex_new_index)
        *missing = "SSL_get_ex_new_index";
    if (!*missing && !t->OPENSSL_sk_num && !t->sk_num)
        *missing = "OPENSSL_sk_num";
    if (!*missing && !t->TLS_client_method && !t->SSLv23_client_method)
        *missing = "TLS_client_method";
    if (!*missing && t->version == 0)
        *missing = "OpenSSL_version_num";
    if (*missing)
        return -1;
    /* TLS_* from 1.1.0; SSLv23_* (the same flexible methods) before. */
    t->flexible[0] = call(t->TLS_method ? t->TLS_method : t->SSLv23_method);
    t->flexible[1] = call(t->TLS_client_method ? t->TLS_client_method : t->SSLv23_client_method);
    t->flexible[2] = call(t->TLS_server_method ? t->TLS_server_method : t->SSLv23_server_method);
    const SSL_METHOD *fixed[4][3] = {
        { call(t->TLSv1_method), call(t->TLSv1_client_method), call(t->TLSv1_server_method) },
        { call(t->TLSv1_1_method), call(t->TLSv1_1_client_method), call(t->TLSv1_1_server_method) },
        { call(t->SSLv3_method), call(t->SSLv3_client_method), call(t->SSLv3_server_method) },
        { call(t->SSLv2_method), call(t->SSLv2_client_method), call(t->SSLv2_server_method) },
    };
    memcpy(t->fixed, fixed, sizeof fixed);
    return 0;
}

/* ---- options: real functions from 1.1.0, SSL_ctrl before ------------- */

unsigned long tg_ossl_set_options(const struct tg_ossl *o, SSL *ssl, unsigned long ops)
{
    if (o->SSL_set_options)
        return o->SSL_set_options(ssl, ops);
    return (unsigned long)o->SSL_ctrl(ssl, TG_CTRL_OPTIONS, (long)ops, NULL);
}

unsigned long tg_ossl_get_options(const struct tg_ossl *o, SSL *ssl)
{
    if (o->SSL_get_options)
        return o->SSL_get_options(ssl);
    return (unsigned long)o->SSL_ctrl(ssl, TG_CTRL_OPTIONS, 0, NULL);
}

unsigned long tg_ossl_clear_options(const struct tg_ossl *o, SSL *ssl, unsigned long ops)
{
    if (o->SSL_clear_options)
        return o->SSL_clear_options(ssl, ops);
    return (unsigned long)o->SSL_ctrl(ssl, TG_CTRL_CLEAR_OPTIONS, (long)ops, NULL);
}

/* SSL_is_server: 1.0.2+. Before, the handshake state says which side a
 * connection set itself up as (SSL_ST_CONNECT 0x1000, SSL_ST_ACCEPT 0x2000),
 * and failing that its method does. */
int tg_ossl_is_server(const struct tg_ossl *o, const SSL *ssl)
{
    if (o->SSL_is_server)
        return o->SSL_is_server(ssl);
    int st = o->SSL_state ? o->SSL_state(ssl) : 0;
    if (st & 0x2000)
        return 1;
    if (st & 0x1000)
        return 0;
    const SSL_METHOD *m = o->SSL_get_ssl_method(ssl);
    return m && (m == call(o->SSLv23_server_method) || m == call(o->TLS_server_method) ||
                 m == call(o->TLSv1_2_server_method));
}

/* The objects (certificates, CRLs) loaded into a store: the accessor is
 * 1.1.0+; 1.0.x's X509_STORE is a public struct that starts
 * { int cache; STACK_OF(X509_OBJECT) *objs; ... } (x509_vfy.h). */
OPENSSL_STACK *tg_ossl_store_objects(const struct tg_ossl *o, X509_STORE *st)
{
    struct store_1_0 {
        int cache;
        OPENSSL_STACK *objs;
    };
    if (!st)
        return NULL;
    if (o->X509_STORE_get0_objects)
        return o->X509_STORE_get0_objects(st);
    if (o->major == 1 && o->minor == 0)
        return ((const struct store_1_0 *)(const void *)st)->objs;
    return NULL;
}

/* SSL_is_init_finished is a function from 1.1.0; a macro over SSL_state()
 * (SSL_ST_OK == 3) in 1.0.x. */
int tg_ossl_handshake_done(const struct tg_ossl *o, const SSL *ssl)
{
    if (o->SSL_is_init_finished)
        return o->SSL_is_init_finished(ssl);
    return o->SSL_state ? o->SSL_state(ssl) == 3 : 0;
}

int tg_ossl_session_reused(const struct tg_ossl *o, SSL *ssl)
{
    if (o->SSL_session_reused)
        return o->SSL_session_reused(ssl);
    return (int)o->SSL_ctrl(ssl, TG_CTRL_GET_SESSION_REUSED, 0, NULL);
}

int tg_ossl_sk_num(const struct tg_ossl *o, const OPENSSL_STACK *sk)
{
    if (!sk)
        return 0;
    return o->OPENSSL_sk_num ? o->OPENSSL_sk_num(sk) : o->sk_num(sk);
}

void *tg_ossl_sk_value(const struct tg_ossl *o, const OPENSSL_STACK *sk, int i)
{
    return o->OPENSSL_sk_value ? o->OPENSSL_sk_value(sk, i) : o->sk_value(sk, i);
}

/* OPENSSL_STACK (_STACK before 1.1.0) starts { int num; void **data; ... }
 * from 0.9.8 to 3.x. The layout is trusted only when it agrees with the API
 * on the count and the first and last elements. */
void *const *tg_ossl_sk_data(const struct tg_ossl *o, const OPENSSL_STACK *sk, int n)
{
    const struct {
        int num;
        void **data;
    } *head = (const void *)sk;
    if (!sk || n <= 0 || head->num != n || !head->data)
        return NULL;
    if (head->data[0] != tg_ossl_sk_value(o, sk, 0) ||
        head->data[n - 1] != tg_ossl_sk_value(o, sk, n - 1))
        return NULL;
    return head->data;
}

/* SSL_get_ex_new_index and friends are macros over CRYPTO_get_ex_new_index
 * from 1.1.0 (CRYPTO_EX_INDEX_SSL = 0, _SSL_CTX = 1, _SSL_SESSION = 2); real
 * functions in 1.0.x, where CRYPTO_get_ex_new_index also exists but numbers
 * its classes differently (BIO = 0, SSL = 1, ...): so 1.0.x uses the
 * functions. */
int tg_ossl_ex_index(const struct tg_ossl *o, int what, tg_ex_dup_cb dup, tg_ex_free_cb fr)
{
    if (o->major == 1 && o->minor == 0) {
        if (what == 0 && o->SSL_get_ex_new_index)
            return o->SSL_get_ex_new_index(0, NULL, NULL, dup, fr);
        if (what == 1 && o->SSL_CTX_get_ex_new_index)
            return o->SSL_CTX_get_ex_new_index(0, NULL, NULL, dup, fr);
        if (what == 2 && o->SSL_SESSION_get_ex_new_index)
            return o->SSL_SESSION_get_ex_new_index(0, NULL, NULL, dup, fr);
        return -1;
    }
    return o->CRYPTO_get_ex_new_index ? o->CRYPTO_get_ex_new_index(what, 0, NULL, NULL, dup, fr)
                                      : -1;
}

OPENSSL_STACK *tg_ossl_verified_chain(const struct tg_ossl *o, X509_STORE_CTX *xs)
{
    if (o->X509_STORE_CTX_get0_chain)
        return o->X509_STORE_CTX_get0_chain(xs);
    return o->X509_STORE_CTX_get_chain ? o->X509_STORE_CTX_get_chain(xs) : NULL;
}

const SSL_METHOD *tg_ossl_upgrade_method(const struct tg_ossl *o, const SSL_METHOD *m, int *version)
{
    static const int versions[4] = { TG_TLS1_VERSION, TG_TLS1_1_VERSION, TG_SSL3_VERSION,
                                     TG_SSL2_VERSION };
    if (!m || m == o->flexible[0] || m == o->flexible[1] || m == o->flexible[2])
        return NULL;
    for (int v = 0; v < 4; v++)
        for (int k = 0; k < 3; k++)
            if (o->fixed[v][k] && m == o->fixed[v][k]) {
                *version = versions[v];
                return o->flexible[k];
            }
    return NULL;
}

/* Every version but `version` switched off by option bits: only where the
 * min/max ctrls are missing, 1.0.x, which has no TLS 1.3 and reads
 * TG_OP_NO_TLSv1_3's bit as SSL_OP_NETSCAPE_CA_DN_BUG: never set there. */
static unsigned long all_but(int version)
{
    unsigned long all =
        TG_OP_NO_SSLv2 | TG_OP_NO_SSLv3 | TG_OP_NO_TLSv1 | TG_OP_NO_TLSv1_1 | TG_OP_NO_TLSv1_2;
    switch (version) {
    case TG_SSL2_VERSION:
        return all & ~TG_OP_NO_SSLv2;
    case TG_SSL3_VERSION:
        return all & ~TG_OP_NO_SSLv3;
    case TG_TLS1_VERSION:
        return all & ~TG_OP_NO_TLSv1;
    default:
        return all & ~TG_OP_NO_TLSv1_1;
    }
}

int tg_ossl_has_proto_ctrl(const struct tg_ossl *o)
{
    return o->major > 1 || (o->major == 1 && o->minor >= 1);
}

void tg_ossl_ctx_pin_version(const struct tg_ossl *o, SSL_CTX *ctx, int version)
{
    if (tg_ossl_has_proto_ctrl(o)) {
        o->SSL_CTX_ctrl(ctx, TG_CTRL_SET_MIN_PROTO_VERSION, version, NULL);
        o->SSL_CTX_ctrl(ctx, TG_CTRL_SET_MAX_PROTO_VERSION, version, NULL);
    } else if (o->SSL_CTX_set_options) {
        o->SSL_CTX_set_options(ctx, all_but(version));
    } else {
        o->SSL_CTX_ctrl(ctx, TG_CTRL_OPTIONS, (long)all_but(version), NULL);
    }
}

void tg_ossl_pin_version(const struct tg_ossl *o, SSL *ssl, int version)
{
    if (tg_ossl_has_proto_ctrl(o)) {
        o->SSL_ctrl(ssl, TG_CTRL_SET_MIN_PROTO_VERSION, version, NULL);
        o->SSL_ctrl(ssl, TG_CTRL_SET_MAX_PROTO_VERSION, version, NULL);
    } else {
        tg_ossl_set_options(o, ssl, all_but(version));
    }
}

/* X509_V_ERR_HOSTNAME_MISMATCH / _IP_ADDRESS_MISMATCH are 1.0.2+: 1.0.1
 * would print "error number 62"; there the application-verification error
 * stands in. */
int tg_ossl_name_mismatch_error(const struct tg_ossl *o, int is_ip)
{
    if (o->version < 0x10002000UL)
        return TG_X509_V_ERR_APPLICATION_VERIFICATION;
    return is_ip ? TG_X509_V_ERR_IP_ADDRESS_MISMATCH : TG_X509_V_ERR_HOSTNAME_MISMATCH;
}

/* The lookup methods a store searches lazily (a hashed directory, a file):
 * the field after the object cache in every version's x509_store_st
 * ({ int cache; objs; get_cert_methods; ... }, public in 1.0.x), trusted
 * only where the object field agrees with the API. */
OPENSSL_STACK *tg_ossl_store_lookups(const struct tg_ossl *o, X509_STORE *st)
{
    const struct {
        int cache;
        OPENSSL_STACK *objs;
        OPENSSL_STACK *lookups;
    } *head = (const void *)st;
    OPENSSL_STACK *objs = tg_ossl_store_objects(o, st);
    if (!st || !objs || head->objs != objs)
        return NULL;
    return head->lookups;
}

/* 1.0.x's X509_STORE_CTX is a public struct (x509_vfy.h):
 * { X509_STORE *ctx; int current_method; X509 *cert; STACK_OF(X509) *untrusted; ... }.
 * The accessors are 1.0.2+ (get0_store) and 1.1.0+ (get0_cert, get0_untrusted). */
struct xs_1_0 {
    X509_STORE *ctx;
    int current_method;
    X509 *cert;
    OPENSSL_STACK *untrusted;
};

static const struct xs_1_0 *xs_old(const struct tg_ossl *o, X509_STORE_CTX *xs)
{
    return o->major == 1 && o->minor == 0 ? (const struct xs_1_0 *)(const void *)xs : NULL;
}

X509_STORE *tg_ossl_xs_store(const struct tg_ossl *o, X509_STORE_CTX *xs)
{
    if (o->X509_STORE_CTX_get0_store)
        return o->X509_STORE_CTX_get0_store(xs);
    return xs_old(o, xs) ? xs_old(o, xs)->ctx : NULL;
}

X509 *tg_ossl_xs_cert(const struct tg_ossl *o, X509_STORE_CTX *xs)
{
    if (o->X509_STORE_CTX_get0_cert)
        return o->X509_STORE_CTX_get0_cert(xs);
    return xs_old(o, xs) ? xs_old(o, xs)->cert : NULL;
}

OPENSSL_STACK *tg_ossl_xs_untrusted(const struct tg_ossl *o, X509_STORE_CTX *xs)
{
    if (o->X509_STORE_CTX_get0_untrusted)
        return o->X509_STORE_CTX_get0_untrusted(xs);
    return xs_old(o, xs) ? xs_old(o, xs)->untrusted : NULL;
}

/* sk_X509_pop_free(chain, X509_free): OPENSSL_sk_pop_free from 1.1.0. */
void tg_ossl_free_chain(const struct tg_ossl *o, OPENSSL_STACK *chain)
{
    void (*fr)(void *) = (void (*)(void *))(void *)o->X509_free;
    if (!chain)
        return;
    if (o->OPENSSL_sk_pop_free)
        o->OPENSSL_sk_pop_free(chain, fr);
    else if (o->sk_pop_free)
        o->sk_pop_free(chain, fr);
}

/* 1.1.0+: SSL_set_session(ssl, NULL). In 1.0.x that also switches the SSL
 * back to its context's method, which inside the handshake frees the state
 * the handshake is using; an empty session of the same version (the first
 * field of 1.0.x's public ssl_session_st) needs no switch, and having no
 * session id it is never resumed. */
void tg_ossl_drop_session(const struct tg_ossl *o, SSL *ssl)
{
    SSL_SESSION *old = o->SSL_get_session(ssl), *fresh;
    if (!old)
        return;
    if (!(o->major == 1 && o->minor == 0)) {
        o->SSL_set_session(ssl, NULL);
        return;
    }
    if (!(fresh = o->SSL_SESSION_new()))
        return;
    *(int *)(void *)fresh = *(const int *)(const void *)old;
    o->SSL_set_session(ssl, fresh);
    o->SSL_SESSION_free(fresh);
}
