/*
 * real_dl.h — the C library's own dlsym and dlvsym, for the entry points
 * of the shim's dlsym hook (hook_dlsym.c, x86_64 glibc only).
 *
 * The shim's own code reaches them through dl_entry.h (tg_dlsym), which
 * finds dlopen and dlclose too and may load libdl on an old glibc. The
 * hook's entry points cannot wait for that: they run inside every dlsym of
 * the process, the first ones while a sanitizer runtime linked into the
 * shim is still finding its interceptors (dl_iterate_phdr among them)
 * through dlsym(RTLD_NEXT), so what they need is found here without any
 * libc call or instrumentation. A process whose objects call dlsym has
 * the library holding it loaded already.
 */
#ifndef TG_REAL_DL_H
#define TG_REAL_DL_H

#include <limits.h> /* __GLIBC__, via <features.h>, also in builds without glibc_compat.h */

#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__ILP32__) && !defined(TG_NO_DL_HOOK)
#define TG_DL_HOOK 1
#else
#define TG_DL_HOOK 0
#endif

#if TG_DL_HOOK
/* Code that runs inside every dlsym of the process, also before a
 * sanitizer runtime linked into the shim is up (its interceptors are found
 * through dlsym(RTLD_NEXT)): no instrumentation, no libc call. */
#if defined(__clang__) && __clang_major__ >= 14
#define TG_DL_BARE                                                                                 \
    __attribute__((disable_sanitizer_instrumentation,                                              \
                   no_sanitize("address", "thread", "undefined")))
#else
#define TG_DL_BARE __attribute__((no_sanitize("address", "thread", "undefined")))
#endif

typedef void *(*tg_dlsym_fn)(void *, const char *);
typedef void *(*tg_dlvsym_fn)(void *, const char *, const char *);

/* The real ones, NULL until tg_real_dl_resolve found them (read by
 * hook_dlsym.c's assembly too, hence not static). */
extern tg_dlsym_fn tg_real_dlsym_ptr;
extern tg_dlvsym_fn tg_real_dlvsym_ptr;

/* Finds them (and the shim's own symbol table) once; racing threads find
 * the same. */
void tg_real_dl_resolve(void);

/* The shim's own export `name` (one of its hooks, or dlsym itself), NULL
 * when it exports none: one hash-table probe, no call. */
void *tg_real_dl_own_export(const char *name);
#endif

#endif
