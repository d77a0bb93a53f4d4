/*
 * own_file.h — where this library was loaded from, for the children it
 * keeps covered (exec_env.c). Found from the loaded-object list beside the
 * per-copy routing that walks it (shim/openssl/libs.c), without dladdr.
 */
#ifndef TG_OWN_FILE_H
#define TG_OWN_FILE_H

/* This library's file name as the dynamic linker loaded it (NULL if not
 * found). */
const char *tg_own_file(void);
/* 1 when `p` lies inside this library (its span, found once). */
int tg_is_ours(const void *p);

#endif
