/*
 * cipher.c — recognising weak suites by their OpenSSL names, which are the
 * same from 1.0.1 to 3.x (NID accessors only exist from 1.1.0).
 */
#include "cipher.h"

#include <string.h>

int tg_cipher_is_weak(const char *name)
{
    static const char *const contains[] = { "NULL", "RC4", "DES-CBC", "MD5", "EXP" };
    static const char *const prefixes[] = { "ADH-", "AECDH-" };
    if (!name)
        return 1;
    /* TLS 1.3 suites (TLS_AES_…, TLS_CHACHA20_…) are all strong. */
    if (!strncmp(name, "TLS_", 4))
        return 0;
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
            return 1;
    for (size_t i = 0; i < sizeof contains / sizeof *contains; i++)
        if (strstr(name, contains[i]))
            return 1;
    return 0;
}
