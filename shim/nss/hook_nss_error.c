/*
 * hook_nss_error.c — NSPR's error text, with tlsguard's for the error a
 * block left in this thread (nss_errtext.h); every other code, and every
 * program on NSPR alone, gets NSPR's own text unchanged.
 */
#include "init.h"
#include "nss_errtext.h"

#include <dlfcn.h>
#include <stdio.h>

TG_EXPORT const char *PR_ErrorToString(int32_t code, uint32_t language)
{
    static __typeof__(&PR_ErrorToString) next; /* racing threads store the same pointer */
    static __thread char buf[640];
    __typeof__(&PR_ErrorToString) f = __atomic_load_n(&next, __ATOMIC_ACQUIRE);
    if (!f) {
        void *h = NULL;
        f = (__typeof__(&PR_ErrorToString))dlsym(RTLD_NEXT, "PR_ErrorToString");
        if (!f && (h = dlopen("libnspr4.so", RTLD_LAZY | RTLD_NOLOAD)) != NULL) {
            f = (__typeof__(&PR_ErrorToString))dlsym(h, "PR_ErrorToString"); /* dlopen'ed */
            dlclose(h);
        }
        __atomic_store_n(&next, f, __ATOMIC_RELEASE);
    }
    const char *own = f ? f(code, language) : NULL;
    /* A text is held only after the NSS backend ran, so its table is there. */
    const struct tg_nss *n = tg_nss_errtext_held() ? tg_nss() : NULL;
    const char *ours = n ? tg_nss_errtext_for(n, code) : NULL;
    if (!ours)
        return own;
    snprintf(buf, sizeof buf, "%s (NSS: %s)", ours, own ? own : n->PR_ErrorToName(code));
    return buf;
}
