/*
 * dlsyms.c — a backend's function table filled from its loaded library.
 *
 * Each name is looked up in its library's own GNU hash table by a hash
 * folded at build time (dynobj.c's tg_symscope_find_hashed, as OpenSSL's
 * table is), not by dlsym: ~1 000 instructions a name through dlsym's locks
 * and the handle's whole scope, a few dozen this way. The scope answers as
 * dlsym(handle) does (the library, then its direct dependencies; defined
 * globals, unversioned or the default version) and hands what it cannot
 * tell (an IFUNC, an object it cannot read) to dlsym on the handle.
 */
#include "dlsyms.h"
#include "dynobj.h"
#include "log.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *tg_dl_loaded(const char *soname)
{
    return dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
}

/* The scope of `handle`, the library whose soname is `soname`; with no
 * readable object, an empty one (every lookup goes to dlsym). */
static void scope_of(struct tg_symscope *s, void *handle, const char *soname)
{
    struct tg_dynobj o;
    if (soname && tg_dynobj_named(soname, &o)) {
        tg_symscope_init(s, handle, &o);
        return;
    }
    memset(s, 0, sizeof *s);
    s->handle = handle;
    s->file = "";
}

int tg_dlsyms_resolve(void *const *handles, const char *const *sonames, const struct tg_dlsym *syms,
                      size_t n, void *table, const char *library, const char *what)
{
    struct tg_symscope scopes[TG_DLSYMS_LIBS];
    int made[TG_DLSYMS_LIBS] = { 0 };
    const char *missing = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned lib = syms[i].lib;
        void *fn = NULL;
        if (lib < TG_DLSYMS_LIBS) {
            if (!made[lib]++)
                scope_of(&scopes[lib], handles[lib], sonames[lib]);
            fn = tg_symscope_find_hashed(&scopes[lib], syms[i].name, syms[i].hash);
        } else {
            fn = dlsym(handles[lib], syms[i].name);
        }
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
