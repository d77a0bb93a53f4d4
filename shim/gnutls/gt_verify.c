/*
 * gt_verify.c — chain, name, pins, version and suite of a GnuTLS session.
 */
#include "gt_verify.h"
#include "gt_certs.h"
#include "gt_trust.h"
#include "settings.h"
#include "verdict.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_CHAIN 16

struct chain {
    tg_gt_crt crt[MAX_CHAIN];
    const tg_gt_datum *der; /* the session's: crt[i] is der[i] parsed */
    unsigned n;
    unsigned sent;     /* how many the peer sent */
    unsigned borrowed; /* crt[] are the caller's, not ours to give back */
};

static void chain_free(const struct tg_gtls *g, struct chain *c)
{
    for (unsigned i = 0; i < c->n && !c->borrowed; i++)
        tg_gt_certs_give(g, c->crt[i], &c->der[i]);
    c->n = 0;
}

/* The peer's certificates as sent; -1 when there are none. */
static int chain_load(const struct tg_gtls *g, tg_gt_session s, struct chain *c)
{
    unsigned n = 0;
    const tg_gt_datum *der = g->gnutls_certificate_get_peers(s, &n);
    c->n = 0;
    c->der = der;
    c->sent = der ? n : 0;
    c->borrowed = 0;
    for (unsigned i = 0; der && i < n && i < MAX_CHAIN; i++) {
        if (!(c->crt[c->n] = tg_gt_certs_take(g, &der[i])))
            break;
        c->n++;
    }
    return c->n ? 0 : -1;
}

/* Why a chain failed, in the words OpenSSL uses, so logs read alike. */
static const char *status_text(const struct tg_gtls *g, const struct chain *c, unsigned st)
{
    if (st & TG_GT_CERT_EXPIRED)
        return "certificate has expired";
    if (st & TG_GT_CERT_NOT_ACTIVATED)
        return "certificate is not yet valid";
    if (st & TG_GT_CERT_REVOKED)
        return "certificate revoked";
    if (st & TG_GT_CERT_SIGNER_NOT_FOUND)
        return c->n == 1 && g->gnutls_x509_crt_check_issuer(c->crt[0], c->crt[0])
                   ? "self-signed certificate"
                   : "unable to get local issuer certificate";
    if (st & TG_GT_CERT_SIGNER_NOT_CA)
        return "issuer is not a CA";
    if (st & TG_GT_CERT_INSECURE_ALGORITHM)
        return "insecure signature algorithm";
    if (st & TG_GT_CERT_SIGNATURE_FAILURE)
        return "certificate signature failure";
    if (st & TG_GT_CERT_PURPOSE_MISMATCH)
        return "unsupported certificate purpose";
    return "certificate not trusted";
}

/* The shim's verification flags: GnuTLS's LOW profile (80-bit security:
 * keys and signature hashes, as OpenSSL's default security level 1), no
 * other flag. It is the profile GnuTLS's NORMAL priority gives a session,
 * so that a careful program's own question (gt_memo.c) is one the shim's
 * verdict answers; without a profile GnuTLS checks no key size at all. */
#define TG_GT_SHIM_VFLAGS (2u /* GNUTLS_PROFILE_LOW */ << 24)

/* Verified against `list` for a TLS server (no name: that is checked on its
 * own, to say which failed); the status, 0 when trusted. */
static unsigned verify_with(const struct tg_gtls *g, tg_gt_tlist list, struct chain *c)
{
    tg_gt_vdata purpose = { TG_GT_DT_KEY_PURPOSE_OID, (unsigned char *)TG_GT_KP_TLS_WWW_SERVER, 0 };
    unsigned status = 0;
    if (!list)
        return TG_GT_CERT_SIGNER_NOT_FOUND;
    if (g->gnutls_x509_trust_list_verify_crt2(list, c->crt, c->n, &purpose, 1, TG_GT_SHIM_VFLAGS,
                                              &status, NULL) != 0)
        return status ? status : TG_GT_CERT_SIGNER_NOT_FOUND;
    return status;
}

/* The anchors in turn: the program's (else the system's), the policy's,
 * the host's own. The list that trusted the chain, NULL if none did. */
static tg_gt_tlist verify_anchors(const struct tg_gtls *g, struct tg_gt_rec *r, struct chain *c,
                                  unsigned *first_status, int *host_list)
{
    const char *err = NULL;
    const struct tg_policy *pol = tg_settings_policy(&err);
    const struct tg_global *gl = pol ? tg_policy_global(pol) : NULL;
    void *cred = NULL;
    tg_gt_tlist own = NULL, lists[3];
    if (g->gnutls_credentials_get(r->session, TG_GT_CRD_CERTIFICATE, &cred) == 0 && cred)
        g->gnutls_certificate_get_trust_list((tg_gt_cred)cred, &own);
    lists[0] = tg_gt_trust_has_ca(g, own) ? own : tg_gt_trust_system(g);
    lists[1] = gl ? tg_gt_trust_paths(g, gl->ca_file, gl->ca_dir) : NULL;
    lists[2] = tg_gt_trust_paths(g, r->rules.settings.ca_file, r->rules.settings.ca_dir);
    *first_status = 0;
    *host_list = 0;
    for (int i = 0; i < 3; i++) {
        if (i > 0 && !lists[i])
            continue;
        if (i == 0)
            tg_gt_memo_before(&r->memo);
        unsigned st = verify_with(g, lists[i], c);
        if (i == 0) /* the program's own list, or the system's in its place */
            tg_gt_memo_after(&r->memo, own, c->sent, lists[0] == own && c->n == c->sent && !st);
        if (!st) {
            *host_list = i == 2;
            return lists[i];
        }
        if (!*first_status)
            *first_status = st;
    }
    return NULL;
}

static int spki_hash(const struct tg_gtls *g, tg_gt_crt crt, unsigned char out[32])
{
    tg_gt_pubkey key = NULL;
    unsigned char der[4096];
    size_t len = sizeof der;
    int rc = -1;
    if (g->gnutls_pubkey_init(&key) != 0)
        return -1;
    if (g->gnutls_pubkey_import_x509(key, crt, 0) == 0 &&
        g->gnutls_pubkey_export(key, TG_GT_FMT_DER, der, &len) == 0 &&
        g->gnutls_hash_fast(TG_GT_DIG_SHA256, der, len, out) == 0)
        rc = 0;
    g->gnutls_pubkey_deinit(key);
    return rc;
}

static int pinned(const struct tg_gtls *g, tg_gt_crt crt, const struct tg_rules *r)
{
    unsigned char h[32];
    if (spki_hash(g, crt, h))
        return 0;
    for (size_t i = 0; i < r->settings.pin_count; i++)
        if (!memcmp(h, r->settings.pins[i].sha256, sizeof h))
            return 1;
    return 0;
}

/* The path that verified: from the leaf, each next certificate the one
 * the peer sent that issued the last, then the anchor from `list`. Only
 * those count for pins, never a stray certificate the peer appended. */
static int path_pinned(const struct tg_gtls *g, tg_gt_tlist list, struct chain *c,
                       const struct tg_rules *r)
{
    unsigned used = 1;
    tg_gt_crt cur = c->crt[0], anchor = NULL;
    if (pinned(g, cur, r))
        return 1;
    for (unsigned step = 1; step < c->n; step++) {
        tg_gt_crt next = NULL;
        for (unsigned i = 1; i < c->n && !next; i++)
            if (!(used & (1u << i)) && g->gnutls_x509_crt_check_issuer(cur, c->crt[i]))
                next = c->crt[i], used |= 1u << i;
        if (!next || next == cur)
            break;
        if (pinned(g, next, r))
            return 1;
        cur = next;
    }
    if (g->gnutls_x509_trust_list_get_issuer(list, cur, &anchor, TG_GT_TL_GET_COPY) != 0)
        return 0;
    int ok = pinned(g, anchor, r);
    g->gnutls_x509_crt_deinit(anchor);
    return ok;
}

/* Chain, name and pins of a loaded chain `c`; frees it. */
static void facts(const struct tg_gtls *g, struct tg_gt_rec *r, struct chain *cp,
                  struct tg_facts *f, char *why, size_t n)
{
    struct chain c = *cp;
    unsigned status;
    int host_list;
    tg_gt_tlist list = verify_anchors(g, r, &c, &status, &host_list);
    if (!list) {
        snprintf(why, n, "%s", status_text(g, &c, status));
        f->chain = TG_FACT_FAIL;
        f->chain_why = why;
    } else {
        f->chain = TG_FACT_PASS;
        if (host_list) {
            f->anchors_file = r->rules.settings.ca_file;
            f->anchors_dir = r->rules.settings.ca_dir;
        }
        f->name = f->host && f->host[0] && g->gnutls_x509_crt_check_hostname2(c.crt[0], f->host, 0)
                      ? TG_FACT_PASS
                      : TG_FACT_FAIL;
        if (f->name == TG_FACT_PASS && r->memo.chain_ok)
            snprintf(r->memo.host, sizeof r->memo.host, "%s", f->host);
        else
            r->memo.chain_ok = 0;
        if (tg_rules_pins_due(&r->rules, f->now))
            f->pins = path_pinned(g, list, &c, &r->rules) ? TG_FACT_PASS : TG_FACT_FAIL;
    }
    chain_free(g, &c);
}

void tg_gt_cert_facts(const struct tg_gtls *g, struct tg_gt_rec *r, struct tg_facts *f, char *why,
                      size_t n)
{
    struct chain c;
    f->now = (long long)time(NULL);
    if (chain_load(g, r->session, &c)) {
        f->chain = TG_FACT_FAIL;
        f->chain_why = "no peer certificate";
        return;
    }
    facts(g, r, &c, f, why, n);
}

void tg_gt_cert_facts_of(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_crt *certs,
                         unsigned ncerts, struct tg_facts *f, char *why, size_t n)
{
    struct chain c;
    f->now = (long long)time(NULL);
    c.der = NULL;
    c.sent = ncerts;
    c.borrowed = 1;
    for (c.n = 0; c.n < ncerts && c.n < MAX_CHAIN; c.n++)
        c.crt[c.n] = certs[c.n];
    if (!c.n) {
        f->chain = TG_FACT_FAIL;
        f->chain_why = "no peer certificate";
        return;
    }
    facts(g, r, &c, f, why, n);
}

const char *tg_gt_protocol_name(int version)
{
    switch (version) {
    case TG_GT_SSL3:
        return "SSLv3";
    case TG_GT_TLS1_0:
        return "TLSv1";
    case TG_GT_TLS1_1:
        return "TLSv1.1";
    case TG_GT_TLS1_2:
        return "TLSv1.2";
    case TG_GT_TLS1_3:
        return "TLSv1.3";
    default:
        return "unknown";
    }
}

/* TLS 1.3 suites by gnutls_cipher_algorithm_t: during the handshake
 * gnutls_ciphersuite_get answers NULL, and the TLS 1.2 naming would call
 * them ECDHE_RSA_... */
static const char *tls13_suite(int cipher)
{
    switch (cipher) {
    case 10:
        return "TLS_AES_128_GCM_SHA256";
    case 11:
        return "TLS_AES_256_GCM_SHA384";
    case 19:
        return "TLS_AES_128_CCM_SHA256";
    case 21:
        return "TLS_AES_128_CCM_8_SHA256";
    case 23:
        return "TLS_CHACHA20_POLY1305_SHA256";
    default:
        return NULL;
    }
}

const char *tg_gt_suite_name(const struct tg_gtls *g, const struct tg_gt_rec *r)
{
    int cipher = g->gnutls_cipher_get(r->session);
    const char *name = g->gnutls_ciphersuite_get ? g->gnutls_ciphersuite_get(r->session) : NULL;
    if (!name && g->gnutls_protocol_get_version(r->session) == TG_GT_TLS1_3)
        name = tls13_suite(cipher);
    if (!name)
        name = g->gnutls_cipher_suite_get_name(g->gnutls_kx_get(r->session), cipher,
                                               g->gnutls_mac_get(r->session));
    return name ? name : "unknown";
}

/* gnutls_cipher_algorithm_t, gnutls_mac_algorithm_t, gnutls_kx_algorithm_t
 * values of the suites SPEC.md calls weak. */
static int weak_suite(int cipher, int mac, int kx)
{
    static const int ciphers[] = { 1 /* NULL */,       2 /* ARCFOUR-128 */, 3 /* 3DES-CBC */,
                                   6 /* ARCFOUR-40 */, 17 /* RC2-40 */,     18 /* DES-CBC */ };
    for (size_t i = 0; i < sizeof ciphers / sizeof *ciphers; i++)
        if (cipher == ciphers[i])
            return 1;
    return mac == 2 /* MD5 */ || kx == 4 /* ANON-DH */ || kx == 11 /* ANON-ECDH */ ||
           kx == 6 /* RSA-EXPORT */;
}

void tg_gt_negotiated_facts(const struct tg_gtls *g, const struct tg_gt_rec *r, int suite_too,
                            struct tg_facts *f)
{
    int v = g->gnutls_protocol_get_version(r->session);
    f->negotiated = 1;
    f->version = v >= TG_GT_SSL3 && v <= TG_GT_TLS1_3 ? 0x0300 + v - 1 : 0;
    f->version_is_dtls = v >= 200;
    f->version_name = tg_gt_protocol_name(v);
    if (!suite_too)
        return;
    f->suite = tg_gt_suite_name(g, r);
    f->suite_weak = weak_suite(g->gnutls_cipher_get(r->session), g->gnutls_mac_get(r->session),
                               g->gnutls_kx_get(r->session));
}
