/*
 * gtls.c — resolving the program's libgnutls, once.
 */
#include "gtls.h"
#include "dlsyms.h"
#include "dynobj.h"
#include "log.h"
#include "once.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

static struct tg_gtls table;
static const struct tg_gtls *resolved;
static tg_once_t resolve_once = TG_ONCE_INIT;
static __thread int own_calls;
static uintptr_t span_lo, span_hi; /* the resolved libgnutls's, set once */

/* Required (M) or optional (O), in the symbol list's first column. */
#define TG_GT_REQUIRED_M 1
#define TG_GT_REQUIRED_O 0
#define TG_GT_ENTRY(kind, ret, name, params)                                                       \
    { #name, TG_DLSYM_HASH(#name), 0, TG_GT_REQUIRED_##kind, offsetof(struct tg_gtls, name) },
static const struct tg_dlsym symbols[] = { TG_GT_SYMBOLS(TG_GT_ENTRY) };
#undef TG_GT_ENTRY

static const char *const sonames[] = { "libgnutls.so.30", "libgnutls.so.28", "libgnutls.so.26" };
#define NSONAMES (sizeof sonames / sizeof *sonames)

static void resolve(void)
{
    void *h = NULL;
    const char *soname = NULL;
    for (size_t i = 0; i < NSONAMES && !h; i++)
        h = tg_dl_loaded(soname = sonames[i]);
    if (!h) {
        tg_log_internal("GnuTLS hook called but no libgnutls is loaded: failing closed");
        return;
    }
    if (!tg_dlsyms_resolve(&h, &soname, symbols, sizeof symbols / sizeof *symbols, &table,
                           "libgnutls", "GnuTLS"))
        return;
    struct tg_dynobj o;
    if (tg_dynobj_at((const void *)table.gnutls_init, &o))
        span_lo = o.lo, span_hi = o.hi;
    resolved = &table;
}

int tg_gtls_owns(const void *fn)
{
    uintptr_t a = (uintptr_t)fn;
    return tg_gtls() && span_lo && a >= span_lo && a < span_hi;
}

const struct tg_gtls *tg_gtls(void)
{
    tg_once(&resolve_once, resolve);
    return resolved;
}

int tg_gtls_hands_out(const char *soname, const void *fn, const void *caller)
{
    (void)fn, (void)caller;
    /* The first of the sonames loaded is the one resolve() takes. */
    for (size_t i = 0; i < NSONAMES; i++) {
        void *h = tg_dl_loaded(sonames[i]);
        if (h) {
            dlclose(h);
            return !strcmp(soname, sonames[i]);
        }
    }
    return 0;
}

int tg_gt_inside(void)
{
    return own_calls > 0;
}

void tg_gt_enter_own(void)
{
    own_calls++;
}

void tg_gt_leave_own(void)
{
    own_calls--;
}
