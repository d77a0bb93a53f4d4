/*
 * verify.c — the verify callback, the cert-verify trampoline and the host
 * name check.
 */
#include "verify.h"
#include "block.h"
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

int tg_verify_name(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c, X509 *leaf,
                   SSL_SESSION *resumed)
{
    struct tg_peer p;
    unsigned char ip[16];
    int ok;
    tg_peer_name(o, ssl, &p);
    if (p.source == TG_NAME_NONE) {
        tg_block_reason(c, TG_R_NO_NAME,
                        "no host name to verify: no SNI, no resolved name, no peer address");
        return 0;
    }
    snprintf(c->host, sizeof c->host, "%s", p.name);
    c->host_is_ip = p.source == TG_NAME_IP;
    if (resumed && tg_session_verified_for(o, resumed, p.name, c->host_is_ip))
        return 1;
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
                   : p.source != TG_NAME_IP && o->X509_check_host(leaf, p.name, strlen(p.name), 0, NULL) == 1;
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

/* The leaf's pins, when the host has any that have not expired. */
static int check_pins(const struct tg_ossl *o, X509_STORE_CTX *xs, struct tg_conn *c)
{
    if (!c->pin_count)
        return 1;
    if (c->pins_expire_at >= 0 && (long long)time(NULL) >= c->pins_expire_at) {
        c->pins_expired = 1;
        return 1;
    }
    int m = tg_pins_match_chain(o, tg_ossl_verified_chain(o, xs), c->pins, c->pin_count);
    if (m == 1) {
        c->pins_ok = 1;
        return 1;
    }
    tg_block_reason(c, TG_R_PIN,
                    "pin mismatch: no certificate of the verified chain matches the %zu pin(s) "
                    "for %s (policy line %d)",
                    c->pin_count, c->host[0] ? c->host : "this host", c->policy_line);
    return 0;
}

int tg_verify_cb(int ok, X509_STORE_CTX *xs)
{
    /* Called by the libcrypto of the copy that verifies. */
    const struct tg_ossl *o = tg_libs_for(__builtin_return_address(0));
    SSL *ssl = o ? ssl_of(o, xs) : NULL;
    struct tg_conn *c = ssl ? tg_conn_get(o, ssl, 0) : NULL;
    if (!c)
        return ok; /* not a connection we prepared: OpenSSL's verdict stands */

    /* The program's callback runs for its side effects and may refuse more,
     * but a failure stays a failure. In audit mode its verdict is final:
     * we only take notes. */
    int prog_ok = c->prog_cb ? c->prog_cb(ok, xs) : ok;
    int fail = c->audit ? prog_ok : 0;
    if (!ok) {
        int err = o->X509_STORE_CTX_get_error(xs);
        const char *why = o->X509_verify_cert_error_string(err);
        if (err == TG_X509_V_ERR_HOSTNAME_MISMATCH || err == TG_X509_V_ERR_IP_ADDRESS_MISMATCH)
            tg_block_reason(c, TG_R_NAME, "host name mismatch: %s", why ? why : "?");
        else
            tg_block_reason(c, TG_R_CERT, "certificate verification failed: %s (depth %d)",
                            why ? why : "?", o->X509_STORE_CTX_get_error_depth(xs));
        return fail;
    }
    if (!prog_ok)
        return 0; /* the program's own, stricter decision: not ours to log */
    if (o->X509_STORE_CTX_get_error_depth(xs) != 0)
        return 1;

    /* The leaf. A host the program set (SSL_set1_host and friends) was
     * already checked by OpenSSL, which then records it as the peer name. */
    const X509_VERIFY_PARAM *vp = o->X509_STORE_CTX_get0_param ? o->X509_STORE_CTX_get0_param(xs) : NULL;
    const char *peername = vp && o->X509_VERIFY_PARAM_get0_peername ? o->X509_VERIFY_PARAM_get0_peername(vp) : NULL;
    if (peername && *peername) {
        snprintf(c->host, sizeof c->host, "%s", peername);
    } else if (!tg_verify_name(o, ssl, c, o->X509_STORE_CTX_get_current_cert(xs), NULL)) {
        o->X509_STORE_CTX_set_error(xs, c->reason == TG_R_NAME ? TG_X509_V_ERR_HOSTNAME_MISMATCH
                                                               : TG_X509_V_ERR_APPLICATION_VERIFICATION);
        return fail;
    }
    if (!check_pins(o, xs, c)) {
        o->X509_STORE_CTX_set_error(xs, TG_X509_V_ERR_APPLICATION_VERIFICATION);
        return fail;
    }
    c->leaf_ok = 1;
    return 1;
}

int tg_cert_verify_cb(X509_STORE_CTX *xs, void *arg)
{
    const struct tg_ossl *o = tg_libs_for(__builtin_return_address(0));
    SSL_CTX *ctx = arg;
    struct tg_ctx *t = o && ctx ? tg_ctx_get(o, ctx, 0) : NULL;
    if (!o)
        return 0;
    SSL *ssl = ssl_of(o, xs);
    int server = ssl && tg_ossl_is_server(o, ssl);
    /* Servers verifying client certificates keep the program's logic. */
    if (server && t && t->prog_cert_cb)
        return t->prog_cert_cb(xs, t->prog_cert_arg);
    int r = o->X509_verify_cert(xs);
    if (r > 0 && t && t->prog_cert_cb)
        r = t->prog_cert_cb(xs, t->prog_cert_arg);
    return r;
}
