/*
 * cipher.h — the cipher floor: suites that must never be offered.
 */
#ifndef TG_CIPHER_H
#define TG_CIPHER_H

#include <stddef.h>

/* 1 when an OpenSSL cipher suite name is anonymous (aNULL), unencrypted
 * (eNULL), export-grade, RC4, DES/3DES or MD5-based. */
int tg_cipher_is_weak(const char *name);

/* The string that replaces a list in which nothing strong is left. */
#define TG_CIPHER_FALLBACK "HIGH:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES:!MD5"

#endif
