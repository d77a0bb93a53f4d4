/*
 * dlsyms.h — filling a backend's table of its library's functions from
 * the copies already loaded in the process.
 *
 * A backend describes each function once (its name, which of its loaded
 * libraries defines it, whether it is required, where it goes in the
 * backend's own table); this resolves them all the same way for every
 * backend. The core knows no backend's table: only offsets into it.
 */
#ifndef TG_DLSYMS_H
#define TG_DLSYMS_H

#include "symhash.h"

#include <stddef.h>
#include <stdint.h>

struct tg_dlsym {
    const char *name;
    uint32_t hash; /* its GNU hash, folded at build time: TG_DLSYM_HASH */
    unsigned lib;  /* index into the handles passed to tg_dlsyms_resolve */
    int required;  /* a missing required one leaves the whole table unusable */
    size_t offset; /* of the function pointer inside the backend's table */
};

/* The handle of `soname` only when the process already has it loaded: a
 * dlsym on it finds the library's own definitions, never the shim's hooks
 * (the preload is not in its scope), also when the program dlopen'ed it
 * RTLD_LOCAL. NULL when it is not loaded. */
void *tg_dl_loaded(const char *soname);

/* The `hash` field for a name literal. */
#define TG_DLSYM_HASH(name) TG_GNU_HASH_INIT(name)

#define TG_DLSYMS_LIBS      4 /* libraries one table may draw from */

/* Stores each symbol's address (NULL when absent) at its offset in
 * `table`, as dlsym(handles[lib], name) finds it, looked up in the
 * library's own hash tables (its soname `sonames[lib]`; dynobj.h's scope)
 * where they can answer, by dlsym on the handle where not. Returns 1 when every required one was found; else logs
 * "<library> lacks <name>: <what> connections fail closed" for the first
 * missing one and returns 0. */
int tg_dlsyms_resolve(void *const *handles, const char *const *sonames, const struct tg_dlsym *syms,
                      size_t n, void *table, const char *library, const char *what);

#endif
