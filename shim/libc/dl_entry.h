/*
 * dl_entry.h — the dlfcn functions the library calls, reached without
 * libdl.so.2 in DT_NEEDED (dl_entry.c says why and how).
 *
 * The library's own build (-DTG_SHIM_LIB) maps dlopen, dlsym, dlvsym and
 * dlclose onto these in shim/libc/glibc_compat.h, which it forces into every
 * file; elsewhere (unit tests, sanitizer builds) the names stay glibc's.
 */
#ifndef TG_DL_ENTRY_H
#define TG_DL_ENTRY_H

void *tg_dlopen(const char *file, int mode);
void *tg_dlsym(void *handle, const char *name);
void *tg_dlvsym(void *handle, const char *name, const char *version);
int tg_dlclose(void *handle);
/* The default version of libc.so.6's function `name`, read from libc's own
 * symbol table (a few hundred instructions, where dlsym costs thousands);
 * NULL when libc has none. */
void *tg_libc_function(const char *name);

#endif
