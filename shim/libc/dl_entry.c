/*
 * dl_entry.c — dlopen, dlsym, dlvsym and dlclose without libdl.so.2 in
 * DT_NEEDED (dl_entry.h).
 *
 * Why: every object in DT_NEEDED joins the process's global scope, and ld.so
 * probes each object of that scope in turn for every symbol any library
 * looks up. libdl.so.2 (a stub on glibc >= 2.34) came in with the shim, early
 * in that order, and cost ~45 instructions in each lookup that got past it:
 * +0.4 M instructions in every `curl` start (~9 000 lookups), more than all
 * the rest of the shim's start-up together. Here the functions are found
 * once, at the first call, in the loaded objects' own symbol tables
 * (dynobj.h): libc.so.6 from glibc 2.34, libdl.so.2 before. On an old glibc
 * where the program has not loaded libdl, libc's own loader entry
 * (__libc_dlopen_mode, which glibc 2.12..2.33 use for NSS and iconv) maps it
 * first. When none answers, dlopen and dlsym return NULL: every backend
 * then finds no library and fails closed, and the libc hooks fail their
 * call (shim/libc/hook_*.c).
 */
/* glibc's own declarations under glibc's names (glibc_compat.h maps the
 * library's calls onto the tg_ ones defined here). */
#undef dlopen
#undef dlsym
#undef dlvsym
#undef dlclose
#include "dl_entry.h"
#include "dynobj.h"
#include "once.h"

#include <dlfcn.h>
#include <stddef.h>

typedef void *(*open_fn)(const char *file, int mode);
typedef void *(*sym_fn)(void *handle, const char *name);
typedef void *(*vsym_fn)(void *handle, const char *name, const char *version);
typedef int (*close_fn)(void *handle);

static tg_once_t found_once = TG_ONCE_INIT;
static open_fn real_open;
static sym_fn real_sym;
static vsym_fn real_vsym;
static close_fn real_close;

/* libc.so.6's symbol tables, read once (find()); libc_ok when readable. */
static struct tg_dyntables libc_tables;
static int libc_ok;

static int tables_of(const char *soname, struct tg_dyntables *t)
{
    struct tg_dynobj o;
    return tg_dynobj_named(soname, &o) && tg_dynobj_tables(&o, t);
}

static void *defined(const struct tg_dyntables *t, const char *name)
{
    void *p = NULL;
    return tg_dynobj_sym(t, name, &p) == 1 ? p : NULL;
}

/* All four from one object: never dlsym of one glibc with dlopen of another. */
static int take(const struct tg_dyntables *t)
{
    void *o = defined(t, "dlopen"), *s = defined(t, "dlsym");
    void *v = defined(t, "dlvsym"), *c = defined(t, "dlclose");
    if (!o || !s || !v || !c)
        return 0;
    /* POSIX gives function and object pointers one representation. */
    *(void **)&real_open = o;
    *(void **)&real_sym = s;
    *(void **)&real_vsym = v;
    *(void **)&real_close = c;
    return 1;
}

static void find(void)
{
    struct tg_dyntables dl;
    libc_ok = tables_of("libc.so.6", &libc_tables);
    if ((libc_ok && take(&libc_tables)) || (tables_of("libdl.so.2", &dl) && take(&dl)))
        return;
    open_fn libc_open;
    *(void **)&libc_open = libc_ok ? defined(&libc_tables, "__libc_dlopen_mode") : NULL;
    if (libc_open && libc_open("libdl.so.2", RTLD_LAZY) && tables_of("libdl.so.2", &dl))
        take(&dl);
}

void *tg_libc_function(const char *name)
{
    void *p = NULL;
    tg_once(&found_once, find);
    int m = libc_ok ? tg_dynobj_sym(&libc_tables, name, &p) : -1;
    if (m < 0) /* an IFUNC, or tables it cannot read: ld.so knows */
        return real_sym ? real_sym(RTLD_DEFAULT, name) : NULL;
    return m == 1 ? p : NULL;
}

void *tg_dlopen(const char *file, int mode)
{
    tg_once(&found_once, find);
    return real_open ? real_open(file, mode) : NULL;
}

/* glibc's dlsym reads RTLD_NEXT against its caller's object: this one, the
 * library, as a direct call from the library would be. */
void *tg_dlsym(void *handle, const char *name)
{
    tg_once(&found_once, find);
    return real_sym ? real_sym(handle, name) : NULL;
}

void *tg_dlvsym(void *handle, const char *name, const char *version)
{
    tg_once(&found_once, find);
    return real_vsym ? real_vsym(handle, name, version) : NULL;
}

int tg_dlclose(void *handle)
{
    tg_once(&found_once, find);
    return real_close ? real_close(handle) : -1;
}
