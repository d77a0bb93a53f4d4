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
#include "hostname.h"
#include "libs.h"
#include "peer.h"
#include "pins.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static SSL *ssl_of(const struct tg_ossl *o, X509_STORE_CTX *xs)
{
    return o->X509_STORE_CTX_get_ex_data(xs, o->SSL_get_ex_data_X509_STORE_CTX_idx());
}

/* ---- OpenSSL 1.0.1: no X509_check_host/X509_check_ip ------------------ */

#define TG_NID_commonName 13
#define TG_NID_subject_alt_name 85
#define TG_GEN_DNS 2
#define TG_GEN_IPADD 7

/* GENERAL_NAME's public layout (x509v3.h, unchanged from 0.9.8 to 3.x). */
struct tg_general_name {
    int type;
    ASN1_STRING *value; /* dNSName / iPAddress: both ASN1_STRINGs */
};

static const unsigned char *asn1_bytes(const struct tg_ossl *o, ASN1_STRING *a, int *len)
{
    *len = a ? o->ASN1_STRING_length(a) : 0;
    if (!a)
        return NULL;
    return o->ASN1_STRING_get0_data ? o->ASN1_STRING_get0_data(a) : o->ASN1_STRING_data(a);
}

/* SAN dNSName (or, with no DNS SAN at all, the CN) against a name; SAN
 * iPAddress against an address (RFC 6125 6.4; never the CN for an IP). */
static int fallback_match(const struct tg_ossl *o, X509 *leaf, const char *name,
                          const unsigned char *ip, size_t iplen)
{
    if (!o->X509_get_ext_d2i || !o->ASN1_STRING_length ||
        (!o->ASN1_STRING_get0_data && !o->ASN1_STRING_data))
        return -1;
    OPENSSL_STACK *sans = o->X509_get_ext_d2i(leaf, TG_NID_subject_alt_name, NULL, NULL);
    int n = tg_ossl_sk_num(o, sans), had_dns = 0, ok = 0, len;
    for (int i = 0; i < n && !ok; i++) {
        const struct tg_general_name *g = tg_ossl_sk_value(o, sans, i);
        const unsigned char *b = asn1_bytes(o, g->value, &len);
        if (g->type == TG_GEN_DNS) {
            had_dns = 1;
            ok = !ip && b && tg_hostname_match((const char *)b, (size_t)len, name);
        } else if (g->type == TG_GEN_IPADD) {
            ok = ip && b && (size_t)len == iplen && !memcmp(b, ip, iplen);
        }
    }
    if (sans)
        o->GENERAL_NAMES_free(sans);
    if (ok || had_dns || ip || !o->X509_get_subject_name)
        return ok;
    X509_NAME *subject = o->X509_get_subject_name(leaf);
    int at = subject ? o->X509_NAME_get_index_by_NID(subject, TG_NID_commonName, -1) : -1;
    if (at < 0)
        return 0;
    const unsigned char *cn = asn1_bytes(o, o->X509_NAME_ENTRY_get_data(o->X509_NAME_get_entry(subject, at)), &len);
    return cn && tg_hostname_match((const char *)cn, (size_t)len, name);
}

/* The leaf against THE name of the connection (peer.c), which the policy
 * is then looked up for; `set_host` is the name the program set that
 * OpenSSL matched (strictly) already, or "". */
static int check_name(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, X509 *leaf,
                      const char *set_host)
{
    struct tg_peer p;
    unsigned char ip[16];
    int ok;
    tg_peer_name(o, ssl, set_host, &p);
    if (p.source == TG_NAME_NONE) {
        tg_block_reason(c, TG_R_NO_NAME,
                        "no host name to verify: no SNI, no resolved name, no peer address");
        return 0;
    }
    snprintf(c->host, sizeof c->host, "%s", p.name);
    c->host_is_ip = p.source == TG_NAME_IP;
    if (!tg_enforce_policy(o, ssl, c, p.name))
        return 0;
    if (set_host[0] && p.source == TG_NAME_HOST)
        return 1; /* OpenSSL matched it, with our strict host flags */
    size_t iplen = 0;
    if (p.source == TG_NAME_IP) {
        if (inet_pton(AF_INET, p.name, ip) == 1)
            iplen = 4;
        else if (inet_pton(AF_INET6, p.name, ip) == 1)
            iplen = 16;
    }
    /* X509_check_host/X509_check_ip: 1.0.2+; 1.0.1 gets our RFC 6125 matcher. */
    if (o->X509_check_host && o->X509_check_ip)
        ok = iplen ? o->X509_check_ip(leaf, ip, iplen, 0) == 1
                   : p.source != TG_NAME_IP &&
                         o->X509_check_host(leaf, p.name, strlen(p.name), 0x4 /* no partial wildcards */, NULL) == 1;
    else
        ok = fallback_match(o, leaf, p.name, iplen ? ip : NULL, iplen);
    if (ok < 0) {
        tg_block_reason(c, TG_R_INTERNAL, "this OpenSSL offers no way to read certificate names");
        return 0;
    }
    if (!ok)
        tg_block_reason(c, TG_R_NAME, "host name mismatch: certificate is not valid for %s%s",
                        p.name, p.source == TG_NAME_IP ? " (IP address)" : "");
    return ok;
}

/* NID_proxyCertInfo (RFC 3820), the same in every version: a proxy
 * certificate is never part of a server's chain, whatever an environment
 * variable (OPENSSL_ALLOW_PROXY_CERTS, honoured by 1.0.x) says. */
#define TG_NID_proxyCertInfo 663

static int check_no_proxy(const struct tg_ossl *o, OPENSSL_STACK *chain, struct tg_conn *c)
{
    int n = tg_ossl_sk_num(o, chain);
    for (int i = 0; i < n; i++)
        if (o->X509_get_ext_by_NID(tg_ossl_sk_value(o, chain, i), TG_NID_proxyCertInfo, -1) >= 0) {
            tg_block_reason(c, TG_R_CERT, "certificate verification failed: proxy certificate "
                            "in the chain (depth %d)", i);
            return 0;
        }
    return 1;
}

/* The verified chain against the host's pins, unless they have expired. */
static int check_pins(const struct tg_ossl *o, OPENSSL_STACK *chain, struct tg_conn *c)
{
    if (!c->settings.pin_count)
        return 1;
    if (c->settings.pins_expire_at >= 0 && (long long)time(NULL) >= c->settings.pins_expire_at) {
        c->pins_expired = 1;
        return 1;
    }
    if (tg_pins_match_chain(o, chain, c->settings.pins, c->settings.pin_count) == 1) {
        c->pins_ok = 1;
        return 1;
    }
    tg_block_reason(c, TG_R_PIN,
                    "pin mismatch: no certificate of the verified chain matches the %zu pin(s) "
                    "for %s (policy line %d)",
                    c->settings.pin_count, c->host[0] ? c->host : "this host",
                    c->settings.block_line);
    return 0;
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
    int prog_ok = prog && !(own && c->audit) ? prog(ok, xs) : ok;
    if (!ok) {
        int err = o->X509_STORE_CTX_get_error(xs);
        const char *why = o->X509_verify_cert_error_string(err);
        if (err == TG_X509_V_ERR_HOSTNAME_MISMATCH || err == TG_X509_V_ERR_IP_ADDRESS_MISMATCH)
            tg_block_reason(c, TG_R_NAME, "host name mismatch: %s", why ? why : "?");
        else
            tg_block_reason(c, TG_R_CERT, "certificate verification failed: %s (depth %d)",
                            why ? why : "?", o->X509_STORE_CTX_get_error_depth(xs));
        return c->audit && !own ? prog_ok : 0;
    }
    if (!prog_ok && !c->audit && !(c->prog_verify_mode & TG_VERIFY_PEER)) {
        /* Its verification was off, so OpenSSL would have ignored this
         * refusal: the block is the shim's doing, and logged as such; at
         * the leaf, with the name's verdict if that is what failed (Ruby
         * checks the host name in its callback). */
        int depth = o->X509_STORE_CTX_get_error_depth(xs);
        if (depth != 0 || check_name(o, ssl, c, o->X509_STORE_CTX_get_current_cert(xs), ""))
            tg_block_reason(c, TG_R_CERT, "certificate refused by the program's own verify callback "
                            "(its verification was off; tlsguard turned it on) at depth %d", depth);
    }
    return prog_ok;
}

/* Where the chain is verified and against which anchors: the program's
 * own when it has any, else the default store; then the policy's. */
/* Another set of anchors is tried: what the failed attempt noted goes. */
static void forget(struct tg_conn *c, const struct tg_ossl *o, OPENSSL_STACK **chain)
{
    tg_ossl_free_chain(o, *chain);
    *chain = NULL;
    c->reason = TG_R_NONE;
    c->detail[0] = '\0';
}

/* libssl's own context, its parameters made strict: the usual road for a
 * program with anchors (one verification, as without the shim). */
static int verify_in_place(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, X509_STORE_CTX *xs,
                           char *peername, size_t n, OPENSSL_STACK **chain, int *err)
{
    tg_chain_make_strict(o, o->X509_STORE_CTX_get0_param(xs));
    int r = o->X509_verify_cert(xs);
    const X509_VERIFY_PARAM *vp = o->X509_STORE_CTX_get0_param(xs);
    const char *pn = o->X509_VERIFY_PARAM_get0_peername ? o->X509_VERIFY_PARAM_get0_peername(vp) : NULL;
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
    struct tg_peer p;
    tg_peer_name(o, ssl, "", &p);
    if (p.source == TG_NAME_NONE || !tg_enforce_policy(o, ssl, c, p.name))
        return NULL;
    c->anchors_file = c->settings.ca_file;
    c->anchors_dir = c->settings.ca_dir;
    return tg_trust_host_store(o, c->settings.ca_file, c->settings.ca_dir);
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
    if (r <= 0 && anchors && tg_chain_error_is_untrusted(err) && (extra = tg_trust_policy_store(o))) {
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

/* Anchors of a host block vouch only for a connection judged for a name
 * that block matches (the name can change once verified: SSL_set1_host). */
static int check_anchor_scope(struct tg_conn *c)
{
    if ((!c->anchors_file && !c->anchors_dir) ||
        (c->anchors_file == c->settings.ca_file && c->anchors_dir == c->settings.ca_dir))
        return 1;
    tg_block_reason(c, TG_R_CERT, "certificate verification failed: its anchors are another host's "
                    "(policy ca-file/ca-dir), not %s's", c->host);
    return 0;
}

/* A chain that failed still names its connection in the log: THE name. */
static void name_for_log(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    struct tg_peer p;
    if (c->host[0])
        return;
    tg_peer_name(o, ssl, "", &p);
    snprintf(c->host, sizeof c->host, "%s", p.name);
    c->host_is_ip = p.source == TG_NAME_IP;
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
        tg_block_reason(c, TG_R_INTERNAL, "cannot load the default trust store");
    } else if (r > 0) {
        r = check_no_proxy(o, chain, c) && check_name(o, ssl, c, tg_ossl_xs_cert(o, xs), peername) &&
            check_anchor_scope(c) && check_pins(o, chain, c) &&
            tg_enforce_negotiated(o, ssl, c); /* the floor, the host's own if its block has one */
        if (!r && in_place)
            o->X509_STORE_CTX_set_error(xs, c->reason == TG_R_NAME ? tg_ossl_name_mismatch_error(o, c->host_is_ip)
                                                                    : TG_X509_V_ERR_APPLICATION_VERIFICATION);
    } else {
        name_for_log(o, ssl, c);
    }
    if (r <= 0 && c->reason == TG_R_NONE) {
        long err = o->X509_STORE_CTX_get_error(xs);
        tg_block_reason(c, TG_R_CERT, "certificate verification failed: %s",
                        o->X509_verify_cert_error_string(err));
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
    if (c->blocked) {
        o->X509_STORE_CTX_set_error(xs, TG_X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    if (c->audit) { /* notes of what enforcing would decide; the program's own verdict */
        if (!check_peer(o, ssl, c, xs, 0))
            tg_block_audit(o, ssl, c);
        c->chain_ok = 1;
        int r = prog ? prog(xs, t->prog_cert_arg) : o->X509_verify_cert(xs);
        /* What the program's own verification noted is its own business. */
        c->reason = TG_R_NONE;
        c->detail[0] = '\0';
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
    if (!prog || c->reason != TG_R_NONE) {
        if (o->X509_STORE_CTX_get_error(xs) == TG_X509_V_OK)
            o->X509_STORE_CTX_set_error(xs, TG_X509_V_ERR_APPLICATION_VERIFICATION);
    }
    if (c->reason != TG_R_NONE) /* the shim's refusal: decided, logged, here */
        tg_block(o, ssl, c);
    return 0;
}
