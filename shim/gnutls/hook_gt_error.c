/*
 * hook_gt_error.c — GnuTLS's error texts, with tlsguard's for the errors a
 * block caused in this thread (gt_errtext.h); every other code passes to
 * libgnutls unchanged. gnutls_strerror_name is left alone: programs compare
 * the names it returns.
 */
#include "gt_errtext.h"
#include "gtls.h"
#include "init.h"

#include <dlfcn.h>
#include <stdio.h>

/* The real function even when the backend's table could not be resolved:
 * a text is never worth failing over. */
static const char *real_text(const char *name, const char *(*fn)(int), int v)
{
    if (!fn)
        fn = (const char *(*)(int))dlsym(RTLD_NEXT, name);
    return fn ? fn(v) : NULL;
}

/* Ours, then the library's own in brackets when the code is the library's
 * (a floor refusal the peer answered with an alert) rather than the one the
 * shim returns for its blocks. */
static const char *with_own(const char *ours, const char *own, int is_ours)
{
    static __thread char buf[640];
    if (is_ours || !own)
        return ours;
    snprintf(buf, sizeof buf, "%s (GnuTLS: %s)", ours, own);
    return buf;
}

TG_GT_EXPORT const char *gnutls_strerror(int code)
{
    tg_init();
    const struct tg_gtls *g = tg_gtls();
    const char *own = real_text("gnutls_strerror", g ? g->gnutls_strerror : NULL, code);
    const char *ours = tg_gt_inside() ? NULL : tg_gt_errtext_for_code(code);
    return ours ? with_own(ours, own, code == TG_GT_E_CERTIFICATE_VERIFICATION_ERROR) : own;
}

TG_GT_EXPORT const char *gnutls_alert_get_name(int alert)
{
    tg_init();
    const struct tg_gtls *g = tg_gtls();
    const char *own =
        real_text("gnutls_alert_get_name", g ? g->gnutls_alert_get_name : NULL, alert);
    const char *ours = tg_gt_inside() ? NULL : tg_gt_errtext_for_alert(alert);
    return ours ? with_own(ours, own, 0) : own;
}
