/*
 * gt_decide.c — policy, verdict and log line of a GnuTLS client session.
 */
#include "gt_decide.h"
#include "gt_peer.h"
#include "gt_priority.h"
#include "gt_verify.h"
#include "log.h"
#include "settings.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void tg_gt_reason(struct tg_gt_rec *r, enum tg_gt_reason why, const char *fmt, ...)
{
    va_list ap;
    if (r->reason != TG_GT_R_NONE)
        return;
    r->reason = why;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
}

int tg_gt_policy(struct tg_gt_rec *r, const char *name)
{
    const char *err = NULL;
    const struct tg_policy *p = tg_settings_policy(&err);
    struct tg_host_settings hs;
    if (!p) {
        r->min_protocol = TG_TLS1_2;
        r->audit = 0;
        tg_gt_reason(r, TG_GT_R_POLICY, "invalid policy: %s", err ? err : "?");
        return 0;
    }
    tg_policy_lookup(p, name && *name ? name : NULL, &hs);
    r->min_protocol = hs.min_protocol;
    r->audit = hs.mode == TG_MODE_AUDIT || tg_settings()->force_audit;
    r->pins = hs.pins;
    r->pin_count = hs.pin_count;
    r->pins_expire_at = hs.pins_expire_at;
    r->policy_line = hs.block_line;
    r->ca_file = hs.ca_file;
    r->ca_dir = hs.ca_dir;
    return 1;
}

/* TLS 1.3 suites by gnutls_cipher_algorithm_t: during the handshake
 * gnutls_ciphersuite_get answers NULL, and the TLS 1.2 naming would call
 * them ECDHE_RSA_... */
static const char *tls13_suite(int cipher)
{
    switch (cipher) {
    case 10: return "TLS_AES_128_GCM_SHA256";
    case 11: return "TLS_AES_256_GCM_SHA384";
    case 19: return "TLS_AES_128_CCM_SHA256";
    case 21: return "TLS_AES_128_CCM_8_SHA256";
    case 23: return "TLS_CHACHA20_POLY1305_SHA256";
    default: return NULL;
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

/* One log line about `r`, with the version and suite once negotiated. */
static void log_line(const struct tg_gtls *g, const struct tg_gt_rec *r, const char *action,
                     const char *reason, int negotiated)
{
    struct tg_gt_peer p;
    tg_gt_peer_identify(g, r, 0, &p);
    const char *host = r->host[0] ? r->host : p.name[0] ? p.name : p.ip_text[0] ? p.ip_text : "-";
    int v = negotiated ? g->gnutls_protocol_get_version(r->session) : 0;
    struct tg_decision d = {
        .action = action,
        .host = host,
        .port = p.port,
        .protocol = v > 0 ? tg_gt_protocol_name(v) : NULL,
        .cipher = v > 0 && (r->judged || v >= TG_GT_TLS1_3) ? tg_gt_suite_name(g, r) : NULL,
        .reason = reason,
    };
    tg_log_decision(&d);
}

int tg_gt_block(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    if (r->reason == TG_GT_R_NONE)
        tg_gt_reason(r, TG_GT_R_INTERNAL, "blocked without a recorded reason");
    r->blocked = 1;
    if (!r->logged) {
        r->logged = 1;
        log_line(g, r, "block", r->detail, r->reason != TG_GT_R_PROTOCOL || r->verified);
    }
    return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
}

static void audit_line(const struct tg_gtls *g, struct tg_gt_rec *r, int negotiated)
{
    char reason[300];
    if (r->logged)
        return;
    r->logged = 1;
    snprintf(reason, sizeof reason, "would block: %s", r->detail);
    log_line(g, r, "audit", reason, negotiated);
}

static void allow_line(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    char reason[300];
    if (r->logged)
        return;
    r->logged = 1;
    if (r->pins_expired) {
        snprintf(reason, sizeof reason, "pins expired (policy line %d): not enforced",
                 r->policy_line);
        log_line(g, r, "notice", reason, 1);
    }
    if (tg_log_wants_allowed())
        log_line(g, r, "allow", r->pins_ok ? "verified, pinned" : "verified", 1);
}

void tg_gt_start(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    struct tg_gt_peer p;
    r->started = 1;
    r->verified = r->judged = r->pins_ok = r->pins_expired = 0;
    if (!r->blocked) { /* a new handshake is judged, and logged, anew */
        r->reason = TG_GT_R_NONE;
        r->detail[0] = '\0';
        r->logged = 0;
    }
    tg_gt_peer_identify(g, r, 1, &p);
    snprintf(r->host, sizeof r->host, "%s", p.name);
    if (!tg_gt_policy(r, p.name))
        tg_gt_block(g, r);
    tg_gt_priority_apply(g, r);
    tg_gt_verify_install(g, r);
}

/* The check itself: version and suite, chain, name, pins. */
static int check(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    struct tg_gt_peer p;
    tg_gt_peer_identify(g, r, 0, &p);
    if (strcasecmp(r->host, p.name)) { /* known only now: the resolved name, the address */
        snprintf(r->host, sizeof r->host, "%s", p.name);
        if (!tg_gt_policy(r, p.name))
            return -1;
    }
    if (tg_gt_verify_params(g, r, 0))
        return -1;
    return tg_gt_verify_chain(g, r, &p);
}

int tg_gt_verify_cb(tg_gt_session s)
{
    const struct tg_gtls *g = tg_gtls();
    struct tg_gt_rec *r = g ? tg_gt_rec_get(s, 0) : NULL;
    void *cred = NULL;
    if (!g)
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    tg_gt_verify_fn prog = r ? r->prog_verify : NULL;
    if (!prog && g->gnutls_credentials_get(s, TG_GT_CRD_CERTIFICATE, &cred) == 0 && cred)
        prog = tg_gt_cred_verify((tg_gt_cred)cred);
    if (!r || !r->is_client)
        return prog ? prog(s) : 0;
    if (r->blocked)
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    if (check(g, r) == 0) {
        r->verified = 1;
        return prog ? prog(s) : 0; /* it may refuse more, never less */
    }
    if (r->audit) {
        audit_line(g, r, 1);
        return prog ? prog(s) : 0;
    }
    return tg_gt_block(g, r);
}

/* A failed handshake the floor caused (the peer refused every version or
 * suite we left): a block, logged as such. */
static void after_failure(const struct tg_gtls *g, struct tg_gt_rec *r, int ret)
{
    int alert = ret == TG_GT_E_FATAL_ALERT_RECEIVED ? g->gnutls_alert_get(r->session) : -1;
    const char *v = r->min_protocol >= TG_TLS1_3 ? "TLS 1.3" : "TLS 1.2";
    if (r->reason == TG_GT_R_NONE && r->floor_raised && !r->audit) {
        if (ret == TG_GT_E_UNSUPPORTED_VERSION_PACKET || alert == TG_GT_A_PROTOCOL_VERSION)
            tg_gt_reason(r, TG_GT_R_PROTOCOL, "protocol below %s refused: peer cannot do %s or later (%s)",
                         v, v, "protocol version");
        else if (ret == TG_GT_E_NO_CIPHER_SUITES || ret == TG_GT_E_INSUFFICIENT_SECURITY ||
                 alert == TG_GT_A_HANDSHAKE_FAILURE || alert == TG_GT_A_INSUFFICIENT_SECURITY)
            tg_gt_reason(r, TG_GT_R_CIPHER, "weak cipher suites refused: no strong suite in common (%s)",
                         "handshake failure");
    }
    if (r->reason != TG_GT_R_NONE && !r->audit)
        tg_gt_block(g, r);
}

/* A resumed session ran no certificate check: it passes only when the data
 * the program set came from a connection verified for this very name and
 * the pins it has now. */
static int resumed_ok(const struct tg_gt_rec *r)
{
    return r->resume_ok && r->host[0] && !strcasecmp(r->resume_host, r->host) &&
           (!r->pin_count || r->resume_pins == r->pins);
}

int tg_gt_judge(const struct tg_gtls *g, struct tg_gt_rec *r, int ret)
{
    if (ret < 0 && !g->gnutls_error_is_fatal(ret)) /* the program calls again */
        return ret;
    r->started = 0;
    r->judged = 1;
    if (ret < 0) {
        after_failure(g, r, ret);
        return ret;
    }
    if (!r->blocked && !r->verified) {
        if (g->gnutls_session_is_resumed(r->session) && resumed_ok(r))
            r->verified = 1;
        else if (g->gnutls_session_is_resumed(r->session))
            tg_gt_reason(r, TG_GT_R_UNVERIFIED, "resumed a session that was never verified for this name");
        else
            tg_gt_reason(r, TG_GT_R_UNVERIFIED, "handshake completed without certificate verification");
    }
    if (r->verified && tg_gt_verify_params(g, r, 1)) /* the result on the session */
        r->verified = 0;
    if (r->verified && !r->blocked) {
        allow_line(g, r);
        return ret;
    }
    if (r->audit) {
        audit_line(g, r, 1);
        return ret;
    }
    return tg_gt_block(g, r);
}
