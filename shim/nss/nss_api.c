/*
 * nss_api.c — resolving the program's NSS and NSPR, once.
 */
#include "nss_api.h"
#include "log.h"
#include "once.h"

#include <dlfcn.h>
#include <stdio.h>

static struct tg_nss table;
static const struct tg_nss *resolved;
static tg_once_t resolve_once = TG_ONCE_INIT;

/* The handle of a library already in the process: dlsym on it finds the
 * library's own definitions, never the shim's hooks (the preload is not in
 * its scope), also when the program dlopen'ed it RTLD_LOCAL. */
static void *loaded(const char *soname)
{
    return dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
}

static void resolve(void)
{
    void *h_S = loaded("libssl3.so"), *h_N = loaded("libnss3.so"), *h_P = loaded("libnspr4.so");
    const char *missing = NULL;
    if (!h_S || !h_N || !h_P) {
        tg_log_internal(
            "NSS hook called but libssl3/libnss3/libnspr4 is not loaded: failing closed");
        return;
    }
#define TG_NSS_RESOLVE(lib, ret, name, params)                                                     \
    table.name = (ret(*) params)dlsym(h_##lib, #name);                                             \
    if (!table.name && !missing)                                                                   \
        missing = #name;
    TG_NSS_SYMBOLS(TG_NSS_RESOLVE)
#undef TG_NSS_RESOLVE
    if (missing) {
        char msg[160];
        snprintf(msg, sizeof msg, "NSS lacks %s: NSS connections fail closed", missing);
        tg_log_internal(msg);
        return;
    }
    resolved = &table;
}

const struct tg_nss *tg_nss(void)
{
    tg_once(&resolve_once, resolve);
    return resolved;
}
