/*
 * hook_gt_trust.c — every call that changes a trust list or the trust of
 * credentials: passed to GnuTLS, then gt_memo.h's generation moves on, so
 * that no memo made before answers a question about the changed trust.
 * Both the credentials' calls and the trust list's are hooked: whether
 * libgnutls reaches the latter through its PLT is its build's business.
 * (A change the program makes outside these calls, none being known,
 * would be a gap: the list is GnuTLS's public mutating API.)
 */
#include "gt_memo.h"
#include "gt_trust.h"
#include "init.h"

#include <string.h>

static const struct tg_gtls *enter(void)
{
    tg_init();
    return tg_gtls();
}

/* A PKCS#11 URL instead of a file: the list gets a token, whose content
 * may change without any call here. */
static int token(const char *f)
{
    return f && !strncmp(f, "pkcs11:", 7);
}

/* The list of credentials, for tg_gt_trust_added. */
static tg_gt_tlist cred_list(const struct tg_gtls *g, tg_gt_cred c)
{
    tg_gt_tlist l = NULL;
    g->gnutls_certificate_get_trust_list(c, &l);
    return l;
}

/* After the change (gt_memo.c reads the generation before verifying). A
 * call that may add a CRL or a token (`off`) says so before it runs. A
 * call whose positive result counts anchors added to one list, and only
 * anchors (no CRL, no token), names that list (`gains`) for gt_trust.c. */
#define TG_TRUST_HOOK(name, params, args, off, gains)                                              \
    TG_GT_EXPORT int name params                                                                   \
    {                                                                                              \
        const struct tg_gtls *g = enter();                                                         \
        if (off)                                                                                   \
            tg_gt_memo_window_off();                                                               \
        int ret = g && g->name ? g->name args : TG_GT_E_INTERNAL_ERROR;                            \
        unsigned long gen = tg_gt_memo_trust_changed();                                            \
        if (ret > 0)                                                                               \
            tg_gt_trust_added(gains, gen);                                                         \
        return ret;                                                                                \
    }
#define TG_CRL_HOOK(name, params, args, off) TG_TRUST_HOOK(name, params, args, off, NULL)
#define TG_INT_HOOK(name, params, args)      TG_CRL_HOOK(name, params, args, 0)
#define TG_VOID_HOOK(name, params, args)                                                           \
    TG_GT_EXPORT void name params                                                                  \
    {                                                                                              \
        const struct tg_gtls *g = enter();                                                         \
        if (g && g->name)                                                                          \
            g->name args;                                                                          \
        tg_gt_memo_trust_changed();                                                                \
    }

/* clang-format off */
TG_TRUST_HOOK(gnutls_certificate_set_x509_trust_file, (tg_gt_cred c, const char *f, int t),
              (c, f, t), token(f), token(f) ? NULL : cred_list(g, c))
TG_TRUST_HOOK(gnutls_certificate_set_x509_trust_dir, (tg_gt_cred c, const char *d, int t),
              (c, d, t), 0, cred_list(g, c))
TG_TRUST_HOOK(gnutls_certificate_set_x509_trust_mem, (tg_gt_cred c, const tg_gt_datum *m, int t),
              (c, m, t), 0, cred_list(g, c))
TG_TRUST_HOOK(gnutls_certificate_set_x509_trust, (tg_gt_cred c, tg_gt_crt *l, int n), (c, l, n),
              0, cred_list(g, c))
TG_CRL_HOOK(gnutls_certificate_set_x509_system_trust, (tg_gt_cred c), (c), 1)
TG_CRL_HOOK(gnutls_certificate_set_x509_crl_file, (tg_gt_cred c, const char *f, int t), (c, f, t), 1)
TG_CRL_HOOK(gnutls_certificate_set_x509_crl_mem, (tg_gt_cred c, const tg_gt_datum *m, int t),
            (c, m, t), 1)
TG_CRL_HOOK(gnutls_certificate_set_x509_crl, (tg_gt_cred c, tg_gt_crl *l, int n), (c, l, n), 1)
TG_CRL_HOOK(gnutls_certificate_set_x509_simple_pkcs12_file,
            (tg_gt_cred c, const char *f, int t, const char *pw), (c, f, t, pw), 1)
TG_CRL_HOOK(gnutls_certificate_set_x509_simple_pkcs12_mem,
            (tg_gt_cred c, const tg_gt_datum *m, int t, const char *pw), (c, m, t, pw), 1)
TG_VOID_HOOK(gnutls_certificate_free_cas, (tg_gt_cred c), (c))
TG_VOID_HOOK(gnutls_certificate_free_crls, (tg_gt_cred c), (c))
/* Not trust, but inputs of the program's gnutls_certificate_verify_peers
 * that gt_ask.c answers for the same generation. */
TG_VOID_HOOK(gnutls_certificate_set_verify_flags, (tg_gt_cred c, unsigned f), (c, f))
TG_VOID_HOOK(gnutls_certificate_set_verify_limits, (tg_gt_cred c, unsigned bits, unsigned depth),
             (c, bits, depth))
TG_TRUST_HOOK(gnutls_x509_trust_list_add_cas,
              (tg_gt_tlist l, const tg_gt_crt *cas, unsigned n, unsigned f), (l, cas, n, f), 0, l)
TG_INT_HOOK(gnutls_x509_trust_list_remove_cas, (tg_gt_tlist l, const tg_gt_crt *cas, unsigned n),
            (l, cas, n))
TG_INT_HOOK(gnutls_x509_trust_list_add_named_crt,
            (tg_gt_tlist l, tg_gt_crt c, const void *name, size_t len, unsigned f),
            (l, c, name, len, f))
TG_CRL_HOOK(gnutls_x509_trust_list_add_crls,
            (tg_gt_tlist l, const tg_gt_crl *crls, unsigned n, unsigned f, unsigned vf),
            (l, crls, n, f, vf), 1)
TG_TRUST_HOOK(gnutls_x509_trust_list_add_trust_mem,
              (tg_gt_tlist l, const tg_gt_datum *cas, const tg_gt_datum *crls, int t, unsigned f,
               unsigned vf), (l, cas, crls, t, f, vf), crls && crls->data,
              crls && crls->data ? NULL : l)
TG_TRUST_HOOK(gnutls_x509_trust_list_add_trust_file,
              (tg_gt_tlist l, const char *ca, const char *crl, int t, unsigned f, unsigned vf),
              (l, ca, crl, t, f, vf), crl != NULL || token(ca), crl || token(ca) ? NULL : l)
TG_TRUST_HOOK(gnutls_x509_trust_list_add_trust_dir,
              (tg_gt_tlist l, const char *ca, const char *crl, int t, unsigned f, unsigned vf),
              (l, ca, crl, t, f, vf), crl != NULL, crl ? NULL : l)
TG_CRL_HOOK(gnutls_x509_trust_list_add_system_trust, (tg_gt_tlist l, unsigned f, unsigned vf),
            (l, f, vf), 1)
TG_INT_HOOK(gnutls_x509_trust_list_remove_trust_file, (tg_gt_tlist l, const char *f, int t),
            (l, f, t))
TG_INT_HOOK(gnutls_x509_trust_list_remove_trust_mem, (tg_gt_tlist l, const tg_gt_datum *m, int t),
            (l, m, t))
/* A freed list's address may come back as another list. */
TG_VOID_HOOK(gnutls_x509_trust_list_deinit, (tg_gt_tlist l, unsigned all), (l, all))
/* clang-format on */

/* The credentials' list is `l` now: what gt_trust.c knew of `l` stands. */
TG_GT_EXPORT void gnutls_certificate_set_trust_list(tg_gt_cred c, tg_gt_tlist l, unsigned f)
{
    const struct tg_gtls *g = enter();
    unsigned long before = tg_gt_memo_gen();
    if (g && g->gnutls_certificate_set_trust_list)
        g->gnutls_certificate_set_trust_list(c, l, f);
    tg_gt_trust_taken(l, before, tg_gt_memo_trust_changed());
}

/* GnuTLS's clock may then differ from time(2), which the memo compares. */
TG_GT_EXPORT void gnutls_global_set_time_function(void *fn)
{
    const struct tg_gtls *g = enter();
    tg_gt_memo_off();
    if (g)
        g->gnutls_global_set_time_function(fn);
}

/* The list's missing issuers come from the program (an AIA fetcher, a
 * cache): its next answer may differ, so no memo answers again. */
TG_GT_EXPORT void gnutls_x509_trust_list_set_getissuer_function(tg_gt_tlist l, void *fn)
{
    const struct tg_gtls *g = enter();
    tg_gt_memo_off();
    if (g && g->gnutls_x509_trust_list_set_getissuer_function)
        g->gnutls_x509_trust_list_set_getissuer_function(l, fn);
    tg_gt_memo_trust_changed();
}
