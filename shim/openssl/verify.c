/*
 * verify.c — the certificate check: the verify callback (per certificate,
 * chaining the program's) and the certificate-verify callback (per chain:
 * anchors, strict verification, the connection's name, its pins). Both run
 * inside libssl's handshake on every road; a refusal here aborts the
 * handshake in OpenSSL itself.
 */
#include "verify.h"
#include "block.h"
#include "chain.h"
#include "enforce.h"
#include "trust.h"
#include "leaf_name.h"
#include "libs.h"
#include "ossl_backend.h"
#include "peer.h"
#include "pins.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static SSL *ssl_of(const struct tg_ossl *o, X509_STORE_CTX *xs)
{
    return o->X509_STORE_CTX_get_ex_data(xs, o->SSL_get_ex_data_X509_STORE_CTX_idx());
}

/* The name facts: THE name of the connection (shim/core/peer.h), the
 * policy's rules for it, and the leaf against it. `matched` is the name
 * the program set that OpenSSL matched (strictly) already, or "". 0 when
 * no verdict can be reached (its reason is noted). */
static int name_facts(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, X509 *leaf,
                      const char *matched, struct tg_facts *f)
{
    struct tg_name n;
    tg_peer_name(&tg_openssl_backend, TG_BC(o, ssl), matched, 0, &n);
    f->name = TG_FACT_FAIL;
    f->host = c->v.host;
    if (n.source == TG_NAME_NONE) {
        f->host = "";
        return 1;
    }
    snprintf(c->v.host, sizeof c->v.host, "%s", n.name);
    c->v.host_is_ip = f->host_is_ip = n.source == TG_NAME_IP;
    if (!tg_rules_apply(&c->rules, &c->v, 1, n.name))
        return 0;
    if (matched[0] && n.source == TG_NAME_HOST) {
        f->name = TG_FACT_PASS; /* OpenSSL matched it, with our strict host flags */
        return 1;
    }
    int ok = tg_leaf_name_matches(o, leaf, &n);
    if (ok < 0) {
        tg_verdict_note(&c->v, TG_R_INTERNAL,
                        "this OpenSSL offers no way to read certificate names");
        return 0;
    }
    f->name = ok ? TG_FACT_PASS : TG_FACT_FAIL;
    return 1;
}

/* NID_proxyCertInfo (RFC 3820), the same in every version: a proxy
 * certificate is never part of a server's chain, whatever an environment
 * variable (OPENSSL_ALLOW_PROXY_CERTS, honoured by 1.0.x) says. */
#define TG_NID_proxyCertInfo 663

/* The depth of the first proxy certificate in the chain, -1 if none. */
static int proxy_depth(const struct tg_ossl *o, OPENSSL_STACK *chain)
{
    int n = tg_ossl_sk_num(o, chain);
    for (int i = 0; i < n; i++)
        if (o->X509_get_ext_by_NID(tg_ossl_sk_value(o, chain, i), TG_NID_proxyCertInfo, -1) >= 0)
            return i;
    return -1;
}

/* A certificate the program's callback saw fail (`ok` 0), as facts. */
static void failed_cert(const struct tg_ossl *o, X509_STORE_CTX *xs, struct tg_conn *c)
{
    struct tg_facts f = { 0 };
    char why[300];
    int err = o->X509_STORE_CTX_get_error(xs);
    const char *text = o->X509_verify_cert_error_string(err);
    if (err == TG_X509_V_ERR_HOSTNAME_MISMATCH || err == TG_X509_V_ERR_IP_ADDRESS_MISMATCH) {
        f.name = TG_FACT_FAIL;
        f.name_why = text ? text : "?";
    } else {
        snprintf(why, sizeof why, "%s (depth %d)", text ? text : "?",
                 o->X509_STORE_CTX_get_error_depth(xs));
        f.chain = TG_FACT_FAIL;
        f.chain_why = why;
    }
    tg_decide(&f, &c->rules, &c->v);
}

/* The program's callback refused a certificate while its verification
 * was off: OpenSSL would have ignored that, so the block is the shim's
 * doing, and logged as such; at the leaf, with the name's verdict if that
 * is what failed (Ruby checks the host name in its callback). */
static void program_refused(const struct tg_ossl *o, SSL *ssl, X509_STORE_CTX *xs,
                            struct tg_conn *c)
{
    struct tg_facts f = { .program = TG_FACT_FAIL, .now = time(NULL) };
    f.program_depth = o->X509_STORE_CTX_get_error_depth(xs);
    if (f.program_depth == 0 &&
        !name_facts(o, ssl, c, o->X509_STORE_CTX_get_current_cert(xs), "", &f))
        return;
    tg_decide(&f, &c->rules, &c->v);
}

int tg_verify_cb(int ok, X509_STORE_CTX *xs)
{
    /* Called by the libcrypto of the copy that verifies. */
    const struct tg_ossl *o = tg_libs_for(__builtin_return_address(0));
    SSL *ssl = o ? ssl_of(o, xs) : NULL;
    struct tg_conn *c = ssl ? tg_conn_get(o, ssl, 0) : NULL;
    tg_verify_fn prog = ssl ? tg_conn_prog_verify_cb(o, ssl, c) : NULL;
    if (prog == tg_verify_cb)
        prog = NULL;
    if (!c || c->is_server)
        return prog ? prog(ok, xs) : ok; /* servers: the program's logic */

    /* The program's callback runs for its side effects and may refuse more,
     * but a failure stays a failure. In audit mode its verdict is final:
     * we only take notes. */
    int own = tg_chain_in_own_ctx();
    int prog_ok = prog && !(own && c->rules.audit) ? prog(ok, xs) : ok;
    if (!ok) {
        failed_cert(o, xs, c);
        return c->rules.audit && !own ? prog_ok : 0;
    }
    if (!prog_ok && !c->rules.audit && !(c->prog_verify_mode & TG_VERIFY_PEER))
        program_refused(o, ssl, xs, c);
    return prog_ok;
}

/* Where the chain is verified and against which anchors: the program's
 * own when it has any, else the default store; then the policy's. */
/* Another set of anchors is tried: what the failed attempt noted goes. */
static void forget(struct tg_conn *c, const struct tg_ossl *o, OPENSSL_STACK **chain)
{
    tg_ossl_free_chain(o, *chain);
    *chain = NULL;
    tg_verdict_forget(&c->v);
}

/* libssl's own context, its parameters made strict: the usual road for a
 * program with anchors (one verification, as without the shim). */
static int verify_in_place(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, X509_STORE_CTX *xs,
                           char *peername, size_t n, OPENSSL_STACK **chain, int *err)
{
    tg_chain_make_strict(o, o->X509_STORE_CTX_get0_param(xs));
    int r = o->X509_verify_cert(xs);
    const X509_VERIFY_PARAM *vp = o->X509_STORE_CTX_get0_param(xs);
    const char *pn =
        o->X509_VERIFY_PARAM_get0_peername ? o->X509_VERIFY_PARAM_get0_peername(vp) : NULL;
    snprintf(peername, n, "%s", r > 0 && pn ? pn : "");
    *chain = o->X509_STORE_CTX_get1_chain(xs);
    *err = o->X509_STORE_CTX_get_error(xs);
    if (r > 0 && o->SSL_get0_dane_authority && o->SSL_get0_dane_authority(ssl, NULL, NULL) >= 0) {
        /* A TLSA record matched (DANE, 1.1.0+): that stands in for
         * neither the CA nor the name. The chain must verify too. */
        forget(c, o, chain);
        r = tg_chain_verify_with(o, ssl, xs, tg_ossl_xs_store(o, xs), 1, peername, n, chain);
        *err = tg_chain_last_error();
    }
    return r;
}

/* The anchors of the host block that matches the connection's name
 * (ca-file/ca-dir inside `host`): for that connection only. */
static X509_STORE *host_anchors(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    struct tg_name n;
    tg_peer_name(&tg_openssl_backend, TG_BC(o, ssl), NULL, 0, &n);
    if (n.source == TG_NAME_NONE || !tg_rules_apply(&c->rules, &c->v, 1, n.name))
        return NULL;
    c->anchors_file = c->rules.settings.ca_file;
    c->anchors_dir = c->rules.settings.ca_dir;
    return tg_trust_host_store(o, c->rules.settings.ca_file, c->rules.settings.ca_dir);
}

/* Where the chain is verified and against which anchors: the program's
 * own when it has any, else the default store; failing that for want of
 * an anchor, the policy's global ones (beside the program's own; the
 * default store holds them already), then the host's own. */
static int verify_chain(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, X509_STORE_CTX *xs,
                        int in_place, char *peername, size_t n, OPENSSL_STACK **chain)
{
    X509_STORE *own = tg_ossl_xs_store(o, xs), *extra;
    int anchors = own && tg_trust_program_has_anchors(o, ssl, own), r, err;
    if (anchors && in_place) {
        r = verify_in_place(o, ssl, c, xs, peername, n, chain, &err);
    } else {
        X509_STORE *st = anchors ? own : tg_trust_default_store(o);
        if (!st)
            return -2;
        r = tg_chain_verify_with(o, ssl, xs, st, in_place, peername, n, chain);
        err = tg_chain_last_error();
    }
    if (r <= 0 && anchors && tg_chain_error_is_untrusted(err) &&
        (extra = tg_trust_policy_store(o))) {
        forget(c, o, chain);
        r = tg_chain_verify_with(o, ssl, xs, extra, in_place, peername, n, chain);
        err = tg_chain_last_error();
    }
    if (r <= 0 && tg_chain_error_is_untrusted(err) && (extra = host_anchors(o, ssl, c))) {
        forget(c, o, chain);
        r = tg_chain_verify_with(o, ssl, xs, extra, in_place, peername, n, chain);
        if (r <= 0)
            c->anchors_file = c->anchors_dir = NULL;
    }
    return r;
}

/* A chain that failed still names its connection in the log: THE name. */
static void name_for_log(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    struct tg_name n;
    if (c->v.host[0])
        return;
    tg_peer_name(&tg_openssl_backend, TG_BC(o, ssl), NULL, 0, &n);
    snprintf(c->v.host, sizeof c->v.host, "%s", n.name);
    c->v.host_is_ip = n.source == TG_NAME_IP;
}

/* A verified chain's facts (proxies, the name, the anchors' scope, the
 * pins, what was negotiated) judged: 1 when they pass. */
static int judge_chain(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, X509_STORE_CTX *xs,
                       OPENSSL_STACK *chain, const char *matched)
{
    struct tg_facts f = { .chain = TG_FACT_PASS, .now = time(NULL) };
    char why[64];
    int proxy = proxy_depth(o, chain);
    if (proxy >= 0) {
        snprintf(why, sizeof why, "proxy certificate in the chain (depth %d)", proxy);
        f.chain = TG_FACT_FAIL;
        f.chain_why = why;
        return tg_decide(&f, &c->rules, &c->v);
    }
    if (!name_facts(o, ssl, c, tg_ossl_xs_cert(o, xs), matched, &f))
        return 0;
    f.anchors_file = c->anchors_file;
    f.anchors_dir = c->anchors_dir;
    if (f.name == TG_FACT_PASS && tg_rules_pins_due(&c->rules, f.now))
        f.pins =
            tg_pins_match_chain(o, chain, c->rules.settings.pins, c->rules.settings.pin_count) == 1
                ? TG_FACT_PASS
                : TG_FACT_FAIL;
    tg_enforce_negotiated_facts(o, ssl, &f); /* the floor, the host's own if its block has one */
    return tg_decide(&f, &c->rules, &c->v);
}

/* The decisive check of a client's peer: 1 when the chain, the name and
 * the pins pass (and the protocol and suite chosen meet the floor). */
static int check_peer(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, X509_STORE_CTX *xs,
                      int in_place)
{
    char peername[256];
    OPENSSL_STACK *chain = NULL;
    int r = verify_chain(o, ssl, c, xs, in_place, peername, sizeof peername, &chain);
    if (r == -2) {
        tg_verdict_note(&c->v, TG_R_INTERNAL, "cannot load the default trust store");
    } else if (r > 0) {
        r = judge_chain(o, ssl, c, xs, chain, peername);
        if (!r && in_place)
            o->X509_STORE_CTX_set_error(xs, c->v.reason == TG_R_NAME
                                                ? tg_ossl_name_mismatch_error(o, c->v.host_is_ip)
                                                : TG_X509_V_ERR_APPLICATION_VERIFICATION);
    } else {
        name_for_log(o, ssl, c);
    }
    if (r <= 0 && c->v.reason == TG_R_NONE) {
        struct tg_facts f = { .chain = TG_FACT_FAIL };
        f.chain_why = o->X509_verify_cert_error_string(o->X509_STORE_CTX_get_error(xs));
        tg_decide(&f, &c->rules, &c->v);
    }
    tg_ossl_free_chain(o, chain);
    return r > 0;
}

int tg_cert_verify_cb(X509_STORE_CTX *xs, void *arg)
{
    const struct tg_ossl *o = tg_libs_for(__builtin_return_address(0));
    SSL_CTX *ctx = arg;
    struct tg_ctx *t = o && ctx ? tg_ctx_get(o, ctx, 0) : NULL;
    if (!o)
        return 0;
    SSL *ssl = ssl_of(o, xs);
    struct tg_conn *c = ssl ? tg_conn_get(o, ssl, 1) : NULL;
    tg_cert_verify_fn prog = t ? t->prog_cert_cb : NULL;
    if (!c || c->is_server || !c->started) /* servers keep the program's logic */
        return prog ? prog(xs, t->prog_cert_arg) : o->X509_verify_cert(xs);
    if (c->v.blocked) {
        o->X509_STORE_CTX_set_error(xs, TG_X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    if (c->rules.audit) { /* notes of what enforcing would decide; the program's own verdict */
        if (!check_peer(o, ssl, c, xs, 0))
            tg_block_audit(o, ssl, c);
        c->chain_ok = 1;
        int r = prog ? prog(xs, t->prog_cert_arg) : o->X509_verify_cert(xs);
        /* What the program's own verification noted is its own business. */
        tg_verdict_forget(&c->v);
        return r;
    }
    /* A program's own certificate-verify callback gets libssl's context
     * untouched (it may verify it itself): ours runs in a context apart. */
    int r = check_peer(o, ssl, c, xs, !prog);
    if (r && prog)
        r = prog(xs, t->prog_cert_arg) > 0; /* it can only refuse more */
    if (r) {
        c->chain_ok = 1;
        return 1;
    }
    if (!prog || c->v.reason != TG_R_NONE) {
        if (o->X509_STORE_CTX_get_error(xs) == TG_X509_V_OK)
            o->X509_STORE_CTX_set_error(xs, TG_X509_V_ERR_APPLICATION_VERIFICATION);
    }
    if (c->v.reason != TG_R_NONE) /* the shim's refusal: decided, logged, here */
        tg_block(o, ssl, c);
    return 0;
}
