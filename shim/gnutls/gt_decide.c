/*
 * gt_decide.c — facts of a GnuTLS client session to the core's verdict,
 * and the verdict back into GnuTLS.
 */
#include "gt_decide.h"
#include "gt_ask.h"
#include "gt_backend.h"
#include "gt_errtext.h"
#include "gt_priority.h"
#include "gt_verify.h"
#include "peer.h"
#include "sock_shut.h"
#include "verdict_log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A blocked session's descriptors, when they are sockets the program gave
 * GnuTLS (not its own push/pull object), shut both ways: no byte the
 * program writes to them itself, beneath the record layer (write(2),
 * send(2), kernel TLS), reaches the refused peer, none comes from it; as
 * the NSS backend does. */
static void shut_transport(const struct tg_gtls *g, const struct tg_gt_rec *r)
{
    int fd[2] = { -1, -1 };
    if (r->custom_transport)
        return;
    g->gnutls_transport_get_int2(r->session, &fd[0], &fd[1]);
    tg_sock_shut(fd[0]);
    if (fd[1] != fd[0])
        tg_sock_shut(fd[1]);
}

int tg_gt_block(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    struct tg_where w;
    char text[480];
    tg_verdict_log_block(&tg_gnutls_backend, TG_GT_BC(g, r), &r->verdict, &w);
    tg_verdict_error_text(&r->verdict, &w, text, sizeof text);
    tg_gt_errtext_pending(text);
    tg_gt_rec_count_block(r); /* after the block: the record calls look it up now */
    shut_transport(g, r);
    return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
}

/* Apply the verdict after a tg_decide that found something: block, or in
 * audit mode log it; the value for libgnutls (0: go on). */
static int act(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    switch (tg_verdict_action(&r->verdict, &r->rules)) {
    case TG_ACTION_ALLOW:
        return 0;
    case TG_ACTION_AUDIT:
        tg_verdict_log_audit(&tg_gnutls_backend, TG_GT_BC(g, r), &r->verdict);
        return 0;
    case TG_ACTION_BLOCK:
        break;
    }
    return tg_gt_block(g, r);
}

int tg_gt_early_rules(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    struct tg_name n;
    tg_peer_name(&tg_gnutls_backend, TG_GT_BC(g, r), NULL, 1, &n);
    return tg_rules_apply(&r->rules, &r->verdict, r->is_client, r->is_client ? n.name : NULL);
}

void tg_gt_start(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    r->started = 1;
    tg_gt_ask_forget(r->session);
    r->verified = r->judged = r->seen_server = r->finished = 0;
    memset(&r->memo, 0, sizeof r->memo);
    tg_verdict_restart(&r->verdict);
    if (!tg_gt_early_rules(g, r))
        tg_gt_block(g, r);
    tg_gt_priority_apply(g, r);
    tg_gt_verify_install(g, r);
}

/* The certificate moment: THE name now (the socket's facts may be needed),
 * its rules, the chain (`certs` as parsed for the program, else parsed
 * here), name and pins, the version the server chose. */
static int certificate(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_crt *certs,
                       unsigned ncerts)
{
    struct tg_name n;
    struct tg_facts f = { 0 };
    char why[160];
    tg_peer_name(&tg_gnutls_backend, TG_GT_BC(g, r), NULL, 0, &n);
    if (!tg_rules_apply(&r->rules, &r->verdict, 1, n.name))
        return 0;
    snprintf(r->verdict.host, sizeof r->verdict.host, "%s", n.name);
    r->verdict.host_is_ip = n.source == TG_NAME_IP;
    f.host = n.name;
    f.host_is_ip = r->verdict.host_is_ip;
    if (certs)
        tg_gt_cert_facts_of(g, r, certs, ncerts, &f, why, sizeof why);
    else
        tg_gt_cert_facts(g, r, &f, why, sizeof why);
    tg_gt_negotiated_facts(g, r, 0, &f);
    return tg_decide(&f, &r->rules, &r->verdict);
}

/* The certificate judged, and the memo set from the verdict: it stands
 * only for a verdict that passed as a whole, never a failing check let
 * through in audit mode (one act() blocks has a reason, so no memo). */
static void judge_certificate(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_crt *certs,
                              unsigned n)
{
    r->deferred = 0;
    r->verified = certificate(g, r, certs, n);
    r->memo.valid = r->memo.chain_ok && r->verified && r->verdict.reason == TG_R_NONE &&
                    !r->verdict.blocked && strlen(r->memo.host) < sizeof r->memo.host - 1;
}

void tg_gt_deferred_check(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_crt *certs,
                          unsigned n)
{
    if (r && r->deferred && certs && n)
        judge_certificate(g, r, certs, n);
}

/* `prog` is libgnutls's own (the auto-verify gnutls_session_set_verify_cert
 * installs: no program code, nothing but gnutls_certificate_verify_peers),
 * so it runs first: the chain it parses for its verification is the one
 * our check reads (tg_gt_deferred_check, from the verification's hook),
 * not parsed twice. Where that did not happen, the chain is parsed here.
 * Our verdict then stands over its answer, as it does for any other. */
static int with_auto_verify(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_verify_fn prog)
{
    r->deferred = 1;
    int ret = prog(r->session);
    if (r->deferred)
        judge_certificate(g, r, NULL, 0);
    if (act(g, r))
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    return ret; /* it may refuse more, never less */
}

/* The program's own function will ask libgnutls about the chain: the shim
 * asks that question first (gt_ask.h), its check running on the chain
 * libgnutls parses for it, before any program code. Where libgnutls never
 * reached the trust-list call (or may not be asked), the chain is parsed
 * here. The program's function runs only after the verdict allowed it. */
static int ask_first(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_verify_fn prog)
{
    int asked = tg_gt_ask_may(g, r);
    if (asked) {
        struct tg_name n;
        tg_gt_vdata d[2];
        unsigned st = 1;
        tg_peer_name(&tg_gnutls_backend, TG_GT_BC(g, r), NULL, 0, &n);
        unsigned nd = tg_gt_ask_data(n.name, d);
        tg_gt_ask_begin(g, r, d, nd);
        struct tg_gt_rec *prev = tg_gt_memo_asking(r);
        r->deferred = 1;
        int ret = g->gnutls_certificate_verify_peers(r->session, d, nd, &st);
        tg_gt_memo_asking(prev);
        tg_gt_ask_end(r, ret, st);
    }
    if (!asked || r->deferred)
        judge_certificate(g, r, NULL, 0);
    int ret = TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    if (!act(g, r)) {
        tg_gt_ask_prog();
        ret = prog(r->session);
    }
    tg_gt_ask_clear();
    return ret; /* it may refuse more, never less */
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
    if (r->verdict.blocked)
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    r->seen_server = 1;
    r->memo.chain_ok = r->memo.valid = 0;
    if (prog && tg_gtls_owns((const void *)prog))
        return with_auto_verify(g, r, prog);
    if (prog)
        return ask_first(g, r, prog);
    judge_certificate(g, r, NULL, 0);
    if (act(g, r))
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    return prog ? prog(s) : 0; /* it may refuse more, never less */
}

/* A failed handshake the floor caused (the peer refused every version or
 * suite we left), as libgnutls reports it. */
static enum tg_failure failure_of(const struct tg_gtls *g, const struct tg_gt_rec *r, int ret)
{
    int alert = ret == TG_GT_E_FATAL_ALERT_RECEIVED ? g->gnutls_alert_get(r->session) : -1;
    if (!r->floor_raised || r->rules.audit)
        return TG_FAILURE_NONE;
    if (ret == TG_GT_E_UNSUPPORTED_VERSION_PACKET || alert == TG_GT_A_PROTOCOL_VERSION)
        return TG_FAILURE_BELOW_FLOOR;
    if (ret == TG_GT_E_NO_CIPHER_SUITES || ret == TG_GT_E_INSUFFICIENT_SECURITY ||
        alert == TG_GT_A_HANDSHAKE_FAILURE || alert == TG_GT_A_INSUFFICIENT_SECURITY)
        return TG_FAILURE_NO_STRONG_SUITE;
    return TG_FAILURE_NONE;
}

/* A resumed session ran no certificate check: it passes only when the data
 * the program set came from a connection verified for this very name and
 * the pins it has now. */
static int resumed_vouched(const struct tg_gt_rec *r)
{
    return r->resume_ok && r->verdict.host[0] && !strcasecmp(r->resume_host, r->verdict.host) &&
           (!r->rules.settings.pin_count || r->resume_pins == r->rules.settings.pins);
}

/* The end's facts: what was negotiated, and what vouches for the peer. */
static void end_facts(const struct tg_gtls *g, struct tg_gt_rec *r, struct tg_facts *f)
{
    struct tg_name n;
    f->finished = 1;
    f->chain_checked = r->verified;
    f->resumed = g->gnutls_session_is_resumed(r->session) != 0;
    if (f->resumed && !r->verdict.host[0]) { /* no certificate moment: THE name now */
        tg_peer_name(&tg_gnutls_backend, TG_GT_BC(g, r), NULL, 0, &n);
        tg_rules_apply(&r->rules, &r->verdict, 1, n.name);
        snprintf(r->verdict.host, sizeof r->verdict.host, "%s", n.name);
    }
    f->resumed_vouched = f->resumed && resumed_vouched(r);
    tg_gt_negotiated_facts(g, r, 1, f);
}

int tg_gt_judge(const struct tg_gtls *g, struct tg_gt_rec *r, int ret)
{
    struct tg_facts f = { 0 };
    if (ret < 0 && !g->gnutls_error_is_fatal(ret)) /* the program calls again */
        return ret;
    r->started = 0;
    r->judged = 1;
    if (ret < 0) {
        f.failure = failure_of(g, r, ret);
        f.failure_why =
            f.failure == TG_FAILURE_BELOW_FLOOR ? "protocol version" : "handshake failure";
        f.offered_max = f.failure == TG_FAILURE_BELOW_FLOOR ? r->offered_max : 0;
        tg_decide(&f, &r->rules, &r->verdict);
        if (r->verdict.reason != TG_R_NONE)
            act(g, r);
        return ret;
    }
    r->finished = 1;
    if (!r->verdict.blocked)
        end_facts(g, r, &f);
    r->verified = !r->verdict.blocked && tg_decide(&f, &r->rules, &r->verdict) &&
                  r->verdict.reason == TG_R_NONE;
    if (r->verified) {
        tg_verdict_log_allow(&tg_gnutls_backend, TG_GT_BC(g, r), &r->verdict, &r->rules);
        return ret;
    }
    return act(g, r) ? TG_GT_E_CERTIFICATE_VERIFICATION_ERROR : ret;
}
