/*
 * chain.c — strict verification in a context of the shim's own.
 */
#include "chain.h"
#include "verify.h"

#include <stdio.h>

/* X509_V_FLAG_*: the same bits from 1.0.1 to 3.x. */
#define TG_V_FLAG_USE_CHECK_TIME    0x2
#define TG_V_FLAG_IGNORE_CRITICAL   0x10
#define TG_V_FLAG_ALLOW_PROXY_CERTS 0x40
#define TG_V_FLAG_NO_CHECK_TIME     0x200000
#define TG_V_WEAKENING                                                                             \
    (TG_V_FLAG_USE_CHECK_TIME | TG_V_FLAG_IGNORE_CRITICAL | TG_V_FLAG_ALLOW_PROXY_CERTS |          \
     TG_V_FLAG_NO_CHECK_TIME)
#define TG_PURPOSE_SSL_SERVER 2
#define TG_TRUST_SSL_SERVER   3
/* X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS: "www*.example.com" never matches. */
#define TG_CHECK_FLAG_NO_PARTIAL_WILDCARDS 0x4

/* X509_V_ERR_* that mean the chain reached no anchor. */
int tg_chain_error_is_untrusted(int err)
{
    switch (err) {
    case 2:  /* UNABLE_TO_GET_ISSUER_CERT */
    case 18: /* DEPTH_ZERO_SELF_SIGNED_CERT */
    case 19: /* SELF_SIGNED_CERT_IN_CHAIN */
    case 20: /* UNABLE_TO_GET_ISSUER_CERT_LOCALLY */
    case 21: /* UNABLE_TO_VERIFY_LEAF_SIGNATURE */
    case 27: /* CERT_UNTRUSTED */
        return 1;
    default:
        return 0;
    }
}

void tg_chain_make_strict(const struct tg_ossl *o, X509_VERIFY_PARAM *vp)
{
    if (!vp)
        return;
    if (o->X509_VERIFY_PARAM_get_flags(vp) & TG_V_WEAKENING)
        o->X509_VERIFY_PARAM_clear_flags(vp, TG_V_WEAKENING);
    o->X509_VERIFY_PARAM_set_purpose(vp, TG_PURPOSE_SSL_SERVER);
    o->X509_VERIFY_PARAM_set_trust(vp, TG_TRUST_SSL_SERVER);
    /* 1.0.2+: the host check of a name the program set, without multi-label
     * wildcards, subject-CN-despite-SANs or subdomain matching. */
    if (o->X509_VERIFY_PARAM_set_hostflags)
        o->X509_VERIFY_PARAM_set_hostflags(vp, TG_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
}

static void copy_result(const struct tg_ossl *o, X509_STORE_CTX *from, X509_STORE_CTX *to)
{
    o->X509_STORE_CTX_set_error(to, o->X509_STORE_CTX_get_error(from));
    if (o->X509_STORE_CTX_set_error_depth) /* 1.1.0+ */
        o->X509_STORE_CTX_set_error_depth(to, o->X509_STORE_CTX_get_error_depth(from));
    if (o->X509_STORE_CTX_set_current_cert) /* 1.1.0+ */
        o->X509_STORE_CTX_set_current_cert(to, o->X509_STORE_CTX_get_current_cert(from));
    if (o->X509_STORE_CTX_set0_verified_chain) { /* 1.1.0+: libssl keeps it */
        OPENSSL_STACK *chain = o->X509_STORE_CTX_get1_chain(from);
        if (chain)
            o->X509_STORE_CTX_set0_verified_chain(to, chain);
    }
}

static __thread int in_own_ctx;
static __thread int last_error;

int tg_chain_last_error(void)
{
    return last_error;
}

int tg_chain_in_own_ctx(void)
{
    return in_own_ctx;
}

int tg_chain_verify_with(const struct tg_ossl *o, SSL *ssl, X509_STORE_CTX *xs, X509_STORE *store,
                         int copy, char *peername, size_t n, OPENSSL_STACK **chain)
{
    X509 *leaf = tg_ossl_xs_cert(o, xs);
    X509_STORE_CTX *mine;
    int r = 0;
    peername[0] = '\0';
    *chain = NULL;
    last_error = 0;
    if (!store || !leaf || !(mine = o->X509_STORE_CTX_new()))
        return 0;
    if (o->X509_STORE_CTX_init(mine, store, leaf, tg_ossl_xs_untrusted(o, xs)) == 1) {
        X509_VERIFY_PARAM *vp = o->X509_STORE_CTX_get0_param(mine);
        o->X509_STORE_CTX_set_ex_data(mine, o->SSL_get_ex_data_X509_STORE_CTX_idx(), ssl);
        o->X509_STORE_CTX_set_default(mine, "ssl_server");
        o->X509_VERIFY_PARAM_set1(vp,
                                  o->X509_STORE_CTX_get0_param(xs)); /* incl. the program's host */
        tg_chain_make_strict(o, vp);
        o->X509_STORE_CTX_set_verify_cb(mine, tg_verify_cb);
        in_own_ctx = 1;
        r = o->X509_verify_cert(mine);
        in_own_ctx = 0;
        last_error = o->X509_STORE_CTX_get_error(mine);
        const char *pn =
            o->X509_VERIFY_PARAM_get0_peername ? o->X509_VERIFY_PARAM_get0_peername(vp) : NULL;
        if (r > 0 && pn)
            snprintf(peername, n, "%s", pn);
        *chain = o->X509_STORE_CTX_get1_chain(mine);
        if (copy)
            copy_result(o, mine, xs);
    }
    o->X509_STORE_CTX_free(mine);
    return r;
}
