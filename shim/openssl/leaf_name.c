/*
 * leaf_name.c — the server's certificate against THE name: X509_check_host
 * and X509_check_ip where the libssl has them (1.0.2+), else the names read
 * from the certificate and matched by shim/core/hostname.c (1.0.1).
 */
#include "leaf_name.h"
#include "hostname.h"

#include <arpa/inet.h>
#include <string.h>

/* ---- OpenSSL 1.0.1: no X509_check_host/X509_check_ip ------------------ */

#define TG_NID_commonName       13
#define TG_NID_subject_alt_name 85
#define TG_GEN_DNS              2
#define TG_GEN_IPADD            7

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
    const unsigned char *cn =
        asn1_bytes(o, o->X509_NAME_ENTRY_get_data(o->X509_NAME_get_entry(subject, at)), &len);
    return cn && tg_hostname_match((const char *)cn, (size_t)len, name);
}

int tg_leaf_name_matches(const struct tg_ossl *o, X509 *leaf, const struct tg_name *n)
{
    unsigned char ip[16];
    size_t iplen = 0;
    if (n->source == TG_NAME_IP) {
        if (inet_pton(AF_INET, n->name, ip) == 1)
            iplen = 4;
        else if (inet_pton(AF_INET6, n->name, ip) == 1)
            iplen = 16;
    }
    /* X509_check_host/X509_check_ip: 1.0.2+; 1.0.1 gets our RFC 6125 matcher. */
    if (o->X509_check_host && o->X509_check_ip)
        return iplen ? o->X509_check_ip(leaf, ip, iplen, 0) == 1
                     : n->source != TG_NAME_IP &&
                           o->X509_check_host(leaf, n->name, strlen(n->name),
                                              0x4 /* no partial wildcards */, NULL) == 1;
    return fallback_match(o, leaf, n->name, iplen ? ip : NULL, iplen);
}
