/*
 * gtls.c — resolving the program's libgnutls, once.
 */
#include "gtls.h"
#include "log.h"
#include "once.h"

#include <dlfcn.h>
#include <stdio.h>

static struct tg_gtls table;
static const struct tg_gtls *resolved;
static tg_once_t resolve_once = TG_ONCE_INIT;
static __thread int own_calls;

/* The handle of the libgnutls already in the process: a dlsym on it finds
 * libgnutls's own definitions, never the shim's hooks (the preload is not
 * in its scope), also when the program dlopen'ed it RTLD_LOCAL. */
static void *gnutls_handle(void)
{
    static const char *const sonames[] = { "libgnutls.so.30", "libgnutls.so.28",
                                           "libgnutls.so.26" };
    for (size_t i = 0; i < sizeof sonames / sizeof *sonames; i++) {
        void *h = dlopen(sonames[i], RTLD_LAZY | RTLD_NOLOAD);
        if (h)
            return h;
    }
    return NULL;
}

static void resolve(void)
{
    void *h = gnutls_handle();
    const char *missing = NULL;
    if (!h) {
        tg_log_internal("GnuTLS hook called but no libgnutls is loaded: failing closed");
        return;
    }
#define TG_GT_RESOLVE(kind, ret, name, params)                                                     \
    table.name = (ret(*) params)dlsym(h, #name);                                                   \
    if (!table.name && #kind[0] == 'M' && !missing)                                                \
        missing = #name;
    TG_GT_SYMBOLS(TG_GT_RESOLVE)
#undef TG_GT_RESOLVE
    if (missing) {
        char msg[160];
        snprintf(msg, sizeof msg, "libgnutls lacks %s: GnuTLS connections fail closed", missing);
        tg_log_internal(msg);
        return;
    }
    resolved = &table;
}

const struct tg_gtls *tg_gtls(void)
{
    tg_once(&resolve_once, resolve);
    return resolved;
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
