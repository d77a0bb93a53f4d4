/*
 * cipher.h — the cipher floor: suites that must never be offered.
 */
#ifndef TG_CIPHER_H
#define TG_CIPHER_H

#include <stddef.h>

/* 1 when an OpenSSL cipher suite name is anonymous (aNULL), unencrypted
 * (eNULL), export-grade, RC4, DES/3DES or MD5-based. */
int tg_cipher_is_weak(const char *name);

/* 1 for a suite that works only with a pre-shared secret and no
 * certificate (plain PSK, unauthenticated SRP; 1.0.x's aNULL holds
 * SRP-AES-*): harmless in a list (OpenSSL offers them only to a program
 * that set a PSK or SRP secret), but no list is usable with only those. */
int tg_cipher_needs_secret(const char *name);

/* The string that replaces a list in which nothing strong is left. */
#define TG_CIPHER_FALLBACK "HIGH:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES:!MD5"

#endif
