/*
 * hook_gt_session.c — GnuTLS session life and handshake: trampolines into
 * gt_decide.c. Every hook lets the shim's own calls (tg_gt_inside) pass.
 */
#include "gt_ask.h"
#include "gt_decide.h"
#include "gt_errtext.h"
#include "gt_priority.h"
#include "init.h"

#include <string.h>

static const struct tg_gtls *enter(void)
{
    tg_init();
    return tg_gtls();
}

TG_GT_EXPORT int gnutls_init(tg_gt_session *s, unsigned flags)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    int ret = g->gnutls_init(s, flags);
    if (ret != 0 || tg_gt_inside())
        return ret;
    /* Servers get a record too: the protocol and suite floor (SPEC.md). */
    struct tg_gt_rec *r = tg_gt_rec_get(*s, 1);
    if (!r) { /* no record, no enforcement: the session is not handed out */
        g->gnutls_deinit(*s);
        *s = NULL;
        return TG_GT_E_INTERNAL_ERROR;
    }
    /* libgnutls makes a server only when asked: flags 0 or GNUTLS_NONBLOCK
     * alone make a client, and it must be judged as one. */
    r->is_client = (flags & TG_GT_SERVER) == 0;
    if (r->is_client)
        tg_gt_verify_install(g, r);
    return 0;
}

TG_GT_EXPORT void gnutls_deinit(tg_gt_session s)
{
    const struct tg_gtls *g = enter();
    if (g)
        g->gnutls_deinit(s);
    tg_gt_ask_forget(s);
    tg_gt_rec_free(s);
}

static int handshake(const struct tg_gtls *g, tg_gt_session s, struct tg_gt_rec *r)
{
    if (!r || !r->is_client)
        return g->gnutls_handshake(s);
    if (r->verdict.blocked)
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    if (!r->started)
        tg_gt_start(g, r);
    if (r->verdict.blocked)
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    return tg_gt_judge(g, r, g->gnutls_handshake(s));
}

TG_GT_EXPORT int gnutls_handshake(tg_gt_session s)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (tg_gt_inside())
        return g->gnutls_handshake(s);
    struct tg_gt_rec *r = tg_gt_rec_get(s, 0);
    int ret = handshake(g, s, r);
    /* The error text the program will ask for (gt_errtext.h). */
    tg_gt_errtext_returned(ret, ret < 0 && g->gnutls_error_is_fatal(ret), r && r->verdict.blocked,
                           ret == TG_GT_E_FATAL_ALERT_RECEIVED ? g->gnutls_alert_get(s) : -1);
    return ret;
}

/* Ours stays the session's verify function; the program's is chained. */
TG_GT_EXPORT void gnutls_session_set_verify_function(tg_gt_session s, tg_gt_verify_fn fn)
{
    const struct tg_gtls *g = enter();
    struct tg_gt_rec *r;
    if (!g)
        return;
    if (tg_gt_inside() || !(r = tg_gt_rec_get(s, 0)) || !r->is_client) {
        g->gnutls_session_set_verify_function(s, fn);
        return;
    }
    if (fn != tg_gt_verify_cb)
        r->prog_verify = fn;
    tg_gt_verify_install(g, r);
}

TG_GT_EXPORT void gnutls_certificate_set_verify_function(tg_gt_cred cred, tg_gt_verify_fn fn)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return;
    tg_gt_cred_set_verify(cred, fn);
    g->gnutls_certificate_set_verify_function(cred, fn);
}

TG_GT_EXPORT void gnutls_certificate_free_credentials(tg_gt_cred cred)
{
    const struct tg_gtls *g = enter();
    tg_gt_cred_set_verify(cred, NULL);
    if (g)
        g->gnutls_certificate_free_credentials(cred);
    tg_gt_memo_trust_changed(); /* its list's address may come back */
}

static void remember_host(tg_gt_session s, const char *host)
{
    struct tg_gt_rec *r = tg_gt_inside() ? NULL : tg_gt_rec_get(s, 0);
    size_t n = host ? strlen(host) : 0;
    if (r && n < sizeof r->prog_host)
        memcpy(r->prog_host, host ? host : "", n + 1);
}

/* The name the program verifies against: THE name. libgnutls then sets
 * its own verify function through the hook above, which chains it. */
TG_GT_EXPORT void gnutls_session_set_verify_cert(tg_gt_session s, const char *host, unsigned flags)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return;
    remember_host(s, host);
    tg_gt_ask_forget(s); /* its flags join the session's verify flags */
    g->gnutls_session_set_verify_cert(s, host, flags);
}

TG_GT_EXPORT void gnutls_session_set_verify_cert2(tg_gt_session s, tg_gt_vdata *data, unsigned n,
                                                  unsigned flags)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return;
    for (unsigned i = 0; data && i < n; i++)
        if (data[i].type == TG_GT_DT_DNS_HOSTNAME)
            remember_host(s, (const char *)data[i].data);
    tg_gt_ask_forget(s);
    g->gnutls_session_set_verify_cert2(s, data, n, flags);
}
