/*
 * nss_api.c — resolving the program's NSS and NSPR, once.
 */
#include "nss_api.h"
#include "dlsyms.h"
#include "log.h"
#include "once.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

static struct tg_nss table;
static const struct tg_nss *resolved;
static tg_once_t resolve_once = TG_ONCE_INIT;

/* The symbol list's first column: which library defines it (its index
 * in resolve's handles). */
#define TG_NSS_LIB_S 0 /* libssl3 */
#define TG_NSS_LIB_N 1 /* libnss3 */
#define TG_NSS_LIB_P 2 /* libnspr4 */
#define TG_NSS_ENTRY(lib, ret, name, params)                                                       \
    { #name, TG_DLSYM_HASH(#name), TG_NSS_LIB_##lib, 1, offsetof(struct tg_nss, name) },
static const struct tg_dlsym symbols[] = { TG_NSS_SYMBOLS(TG_NSS_ENTRY) };
#undef TG_NSS_ENTRY

static void resolve(void)
{
    static const char *const sonames[] = { "libssl3.so", "libnss3.so", "libnspr4.so" };
    void *const handles[] = { tg_dl_loaded(sonames[0]), tg_dl_loaded(sonames[1]),
                              tg_dl_loaded(sonames[2]) };
    if (!handles[0] || !handles[1] || !handles[2]) {
        tg_log_internal(
            "NSS hook called but libssl3/libnss3/libnspr4 is not loaded: failing closed");
        return;
    }
    if (tg_dlsyms_resolve(handles, sonames, symbols, sizeof symbols / sizeof *symbols, &table,
                          "NSS", "NSS"))
        resolved = &table;
}

int tg_nss_hands_out(const char *soname, const void *fn, const void *caller)
{
    (void)fn, (void)caller;
    if (strcmp(soname, "libssl3.so") && strcmp(soname, "libnspr4.so"))
        return 0;
    void *h = tg_dl_loaded("libssl3.so");
    if (h)
        dlclose(h);
    return h != NULL;
}

const struct tg_nss *tg_nss(void)
{
    tg_once(&resolve_once, resolve);
    return resolved;
}
