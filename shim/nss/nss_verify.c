/*
 * nss_verify.c — verification inside NSS's handshake. The chain is
 * verified for a TLS server against the program's NSS trust as
 * SSL_AuthCertificate verifies it (CERT_VerifyCert, signatures checked),
 * else against the policy's ca-file and ca-dir anchors (and the system's)
 * as one check's own (shim/nss/nss_chain.c; the program's auth-certificate
 * or bad-certificate hooks have no say in it), then the leaf against THE
 * name with CERT_VerifyCertName, then the pins over the verified chain.
 * When that was NSS's own question exactly — the program's trust alone
 * passed the chain, the URL was the name (nss_records.h: answered) — the
 * record says so.
 */
#include "nss_verify.h"
#include "nss_errtext.h"
#include "nss_chain.h"
#include "nss_floor.h"
#include "peer.h"
#include "settings.h"
#include "sock_shut.h"
#include "spki_pin.h"
#include "verdict_log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int sha256(const void *ctx, const unsigned char *in, size_t len,
                  unsigned char out[TG_PIN_HASH_LEN])
{
    const struct tg_nss *n = ctx;
    return n->PK11_HashBuf(TG_NSS_OID_SHA256, out, in, (int32_t)len) ? -1 : 0;
}

static int cert_pin(const struct tg_nss *n, tg_nss_cert *c, unsigned char out[TG_PIN_HASH_LEN])
{
    void *key = n->CERT_ExtractPublicKey(c);
    tg_nss_item *der = key ? n->SECKEY_EncodeDERSubjectPublicKeyInfo(key) : NULL;
    int rc = der ? tg_spki_hash(der->data, (int)der->len, sha256, n, out) : -1;
    if (der)
        n->SECITEM_FreeItem(der, 1);
    if (key)
        n->SECKEY_DestroyPublicKey(key);
    return rc;
}

static enum tg_fact pins_of(const struct tg_nss *n, const tg_nss_cert_list *chain,
                            const struct tg_rules *ru)
{
    for (const tg_nss_link *l = chain ? chain->list.next : NULL; l && l != &chain->list;
         l = l->next) {
        unsigned char h[TG_PIN_HASH_LEN];
        if (cert_pin(n, ((const tg_nss_cert_node *)l)->cert, h))
            return TG_FACT_FAIL;
        for (size_t k = 0; k < ru->settings.pin_count; k++)
            if (!memcmp(h, ru->settings.pins[k].sha256, sizeof h))
                return TG_FACT_PASS;
    }
    return TG_FACT_FAIL;
}

static void negotiated_facts(const struct tg_nss *n, struct tg_nss_rec *r, struct tg_facts *f)
{
    tg_nss_channel ch;
    memset(&ch, 0, sizeof ch);
    if (n->SSL_GetChannelInfo(r->fd, &ch, sizeof ch) || !ch.protocol)
        return;
    f->negotiated = 1;
    f->version = ch.protocol;
    f->version_name = tg_nss_protocol_name(ch.protocol);
    f->suite_weak = ch.suite && tg_nss_suite_weak(n, ch.suite);
}

/* What a block does: one log line, the NSS error with tlsguard's text, and
 * the TCP connection shut both ways, so that no road beneath the guard
 * layer (the NSPR layer written directly, the descriptor itself) carries a
 * byte to or from the refused peer either. */
static int apply(const struct tg_nss *n, struct tg_backend_conn *bc, int32_t err)
{
    struct tg_nss_rec *r = bc->r;
    struct tg_where w;
    char text[512];
    switch (tg_verdict_action(&r->verdict, &r->rules)) {
    case TG_ACTION_ALLOW:
        return 1;
    case TG_ACTION_AUDIT:
        tg_verdict_log_audit(&tg_nss_backend, bc, &r->verdict);
        return 1;
    case TG_ACTION_BLOCK:
        break;
    }
    tg_verdict_log_block(&tg_nss_backend, bc, &r->verdict, &w);
    tg_verdict_error_text(&r->verdict, &w, text, sizeof text);
    tg_sock_shut(n->PR_FileDesc2NativeHandle(r->fd));
    r->error = err;
    n->PR_SetError(err, 0);
    n->PR_SetErrorText((int)strlen(text), text);
    tg_nss_errtext_set(r->fd, err, text);
    return 0;
}

static int32_t error_for(enum tg_reason why, int32_t chain_err)
{
    switch (why) {
    case TG_R_CERT:
        return chain_err ? chain_err : TG_NSS_E_UNTRUSTED_ISSUER;
    case TG_R_NAME:
    case TG_R_NO_NAME:
        return TG_NSS_E_BAD_CERT_DOMAIN;
    case TG_R_PROTOCOL:
        return TG_NSS_E_UNSUPPORTED_VERSION;
    case TG_R_CIPHER:
        return TG_NSS_E_NO_CYPHER_OVERLAP;
    default:
        return TG_NSS_E_BAD_CERTIFICATE;
    }
}

/* The chain, the name, the pins (the chain is built only for them). 1
 * when the chain and the name passed as SSL_AuthCertificate would pass
 * them: the program's own NSS trust passed the chain, no anchor of the
 * policy's or the system's was lent to the check. */
static int certificate_facts(const struct tg_nss *n, struct tg_nss_rec *r, tg_nss_cert *leaf,
                             struct tg_facts *f, int32_t *err)
{
    tg_nss_cert_list *chain = NULL;
    int pins = tg_rules_pins_due(&r->rules, f->now), own = 0;
    if (!leaf || !tg_nss_verify_chain(n, leaf, &r->rules, n->SSL_RevealPinArg(r->fd),
                                      pins ? &chain : NULL, &own, err)) {
        f->chain = TG_FACT_FAIL;
        f->chain_why = leaf ? n->PR_ErrorToName(*err) : "no peer certificate";
        return 0;
    }
    f->chain = TG_FACT_PASS;
    f->name = f->host[0] && n->CERT_VerifyCertName(leaf, f->host) == TG_SEC_SUCCESS ? TG_FACT_PASS
                                                                                    : TG_FACT_FAIL;
    if (f->name == TG_FACT_PASS && pins)
        f->pins = pins_of(n, chain, &r->rules);
    if (chain)
        n->CERT_DestroyCertList(chain);
    return f->name == TG_FACT_PASS && own;
}

/* NSS's own question answered yes (nss_records.h): only for the socket's
 * first certificate, and only when THE name was the URL, verbatim. */
static void remember_answer(const struct tg_nss *n, struct tg_nss_rec *r, const char *url,
                            const tg_nss_cert *leaf, int yes)
{
    r->answered = yes && r->certs_seen == 1 && url[0] && !strcmp(url, r->verdict.host);
    r->answered_db = r->answered ? n->CERT_GetDefaultCertDB() : NULL;
    r->answered_leaf = r->answered ? leaf : NULL;
}

int tg_nss_check_certificate(const struct tg_nss *n, struct tg_nss_rec *r)
{
    struct tg_backend_conn bc;
    struct tg_name name;
    struct tg_facts f;
    int32_t err = 0;
    tg_nss_conn_init(&bc, n, r);
    tg_verdict_restart(&r->verdict);
    tg_nss_errtext_forget();
    r->checked = 0;
    r->answered = 0;
    if (r->certs_seen < 2)
        r->certs_seen++;
    tg_peer_name(&tg_nss_backend, &bc, NULL, 0, &name);
    if (tg_rules_apply(&r->rules, &r->verdict, 1, name.name)) {
        memset(&f, 0, sizeof f);
        snprintf(r->verdict.host, sizeof r->verdict.host, "%s", name.name);
        r->verdict.host_is_ip = name.source == TG_NAME_IP;
        f.host = name.name;
        f.host_is_ip = r->verdict.host_is_ip;
        f.now = (long long)time(NULL);
        negotiated_facts(n, r, &f);
        tg_nss_cert *leaf = n->SSL_PeerCertificate(r->fd);
        remember_answer(n, r, bc.url, leaf, certificate_facts(n, r, leaf, &f, &err));
        if (leaf)
            n->CERT_DestroyCertificate(leaf);
        tg_decide(&f, &r->rules, &r->verdict);
    }
    r->checked = apply(n, &bc, error_for(r->verdict.reason, err));
    return r->checked;
}

int tg_nss_check_end(const struct tg_nss *n, struct tg_nss_rec *r)
{
    struct tg_backend_conn bc;
    struct tg_facts f;
    tg_nss_conn_init(&bc, n, r);
    memset(&f, 0, sizeof f);
    f.finished = 1;
    f.chain_checked = r->checked;
    negotiated_facts(n, r, &f);
    tg_decide(&f, &r->rules, &r->verdict);
    if (!apply(n, &bc, error_for(r->verdict.reason, 0)))
        return 0;
    tg_verdict_log_allow(&tg_nss_backend, &bc, &r->verdict, &r->rules);
    return 1;
}

void tg_nss_check_failure(const struct tg_nss *n, struct tg_nss_rec *r, int32_t err)
{
    struct tg_backend_conn bc;
    struct tg_facts f;
    if (r->verdict.logged || r->verdict.blocked)
        return;
    if (err != TG_NSS_E_PROTOCOL_VERSION_ALERT && err != TG_NSS_E_UNSUPPORTED_VERSION &&
        err != TG_NSS_E_NO_CYPHER_OVERLAP)
        return;
    tg_nss_conn_init(&bc, n, r);
    struct tg_name name;
    tg_peer_name(&tg_nss_backend, &bc, NULL, 0, &name);
    if (tg_rules_apply(&r->rules, &r->verdict, 1, name.name))
        snprintf(r->verdict.host, sizeof r->verdict.host, "%s", name.name);
    memset(&f, 0, sizeof f);
    f.failure =
        err == TG_NSS_E_NO_CYPHER_OVERLAP ? TG_FAILURE_NO_STRONG_SUITE : TG_FAILURE_BELOW_FLOOR;
    f.failure_why = n->PR_ErrorToName(err);
    tg_nss_range range;
    if (!n->SSL_VersionRangeGet(r->fd, &range))
        f.offered_max = range.max; /* NSS's versions are the wire's */
    tg_decide(&f, &r->rules, &r->verdict);
    if (apply(n, &bc, err))
        n->PR_SetError(err, 0); /* audit: the program keeps NSS's own error */
}
