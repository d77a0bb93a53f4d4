/*
 * dlsyms.c — a backend's function table filled from its loaded library.
 */
#include "dlsyms.h"
#include "log.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *tg_dl_loaded(const char *soname)
{
    return dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
}

int tg_dlsyms_resolve(void *const *handles, const struct tg_dlsym *syms, size_t n, void *table,
                      const char *library, const char *what)
{
    const char *missing = NULL;
    for (size_t i = 0; i < n; i++) {
        void *fn = dlsym(handles[syms[i].lib], syms[i].name);
        /* POSIX gives function and object pointers one representation
         * (dlsym relies on it); memcpy keeps the store free of aliasing. */
        memcpy((char *)table + syms[i].offset, &fn, sizeof fn);
        if (!fn && syms[i].required && !missing)
            missing = syms[i].name;
    }
    if (!missing)
        return 1;
    char msg[160];
    snprintf(msg, sizeof msg, "%s lacks %s: %s connections fail closed", library, missing, what);
    tg_log_internal(msg);
    return 0;
}
