/*
 * hook_gt_verify.c — the program's own verification of the peer: which
 * session it asks about (around gnutls_certificate_verify_peers*), and the
 * chain verification those reach through libgnutls's PLT, answered from
 * the session's memo when gt_memo.c proves the shim's verdict is GnuTLS's
 * answer. If a libgnutls build bound these calls internally, the hooks
 * would only not see them: every answer would then be GnuTLS's.
 */
#include "gt_ask.h"
#include "gt_decide.h"
#include "gt_memo.h"
#include "gt_records.h"
#include "init.h"

static const struct tg_gtls *enter(void)
{
    tg_init();
    return tg_gtls();
}

/* The session asked about, for the calls below; NULL for the shim's own. */
static struct tg_gt_rec *asked(tg_gt_session s)
{
    return tg_gt_inside() ? NULL : tg_gt_rec_get(s, 0);
}

TG_GT_EXPORT int gnutls_certificate_verify_peers(tg_gt_session s, tg_gt_vdata *data, unsigned n,
                                                 unsigned *status)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (!tg_gt_inside() && tg_gt_ask_answer(g, s, data, n, status))
        return 0;
    struct tg_gt_rec *prev = tg_gt_memo_asking(asked(s));
    int ret = g->gnutls_certificate_verify_peers(s, data, n, status);
    tg_gt_memo_asking(prev);
    return ret;
}

TG_GT_EXPORT int gnutls_certificate_verify_peers2(tg_gt_session s, unsigned *status)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (!tg_gt_inside() && tg_gt_ask_answer(g, s, NULL, 0, status))
        return 0; /* verify_peers2 is verify_peers(s, NULL, 0) */
    struct tg_gt_rec *prev = tg_gt_memo_asking(asked(s));
    int ret = g->gnutls_certificate_verify_peers2(s, status);
    tg_gt_memo_asking(prev);
    return ret;
}

TG_GT_EXPORT int gnutls_certificate_verify_peers3(tg_gt_session s, const char *host,
                                                  unsigned *status)
{
    const struct tg_gtls *g = enter();
    tg_gt_vdata name = { TG_GT_DT_DNS_HOSTNAME, (unsigned char *)host, 0 };
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (!tg_gt_inside() && tg_gt_ask_answer(g, s, &name, 1, status))
        return 0; /* verify_peers3 is verify_peers(s, {name}, 1) */
    struct tg_gt_rec *prev = tg_gt_memo_asking(asked(s));
    int ret = g->gnutls_certificate_verify_peers3(s, host, status);
    tg_gt_memo_asking(prev);
    return ret;
}

TG_GT_EXPORT int gnutls_x509_trust_list_verify_crt2(tg_gt_tlist list, tg_gt_crt *certs, unsigned n,
                                                    tg_gt_vdata *data, unsigned elements,
                                                    unsigned flags, unsigned *status, void *func)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    struct tg_gt_rec *r = tg_gt_inside() ? NULL : tg_gt_memo_asked();
    if (r && r->deferred && tg_gt_memo_peers_are(g, r, certs, n))
        tg_gt_deferred_check(g, r, certs, n); /* our check first, on these */
    long long until = 0;
    if (!tg_gt_inside() &&
        tg_gt_memo_answer(g, list, certs, n, data, elements, flags, func, status, &until)) {
        if (r)
            tg_gt_ask_memo_hit(g, &r->memo, certs, n, until); /* the shim's own question's */
        return 0;
    }
    if (r && tg_gt_ask_probing() && tg_gt_memo_peers_are(g, r, certs, n))
        return TG_GT_E_INTERNAL_ERROR; /* the shim's own question: not a second verification */
    return g->gnutls_x509_trust_list_verify_crt2(list, certs, n, data, elements, flags, status,
                                                 func);
}

/* An input of the program's question (gt_ask.c): the shim's answer to it
 * is forgotten. */
TG_GT_EXPORT void gnutls_session_set_verify_output_function(tg_gt_session s, void *fn)
{
    const struct tg_gtls *g = enter();
    if (!g || !g->gnutls_session_set_verify_output_function)
        return;
    g->gnutls_session_set_verify_output_function(s, fn);
    tg_gt_ask_forget(s);
}
