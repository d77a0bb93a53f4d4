/*
 * cipher.c — recognising weak suites by their OpenSSL names, which are the
 * same from 1.0.1 to 3.x (NID accessors only exist from 1.1.0).
 */
#include "cipher.h"

#include <string.h>

int tg_cipher_is_weak(const char *name)
{
    /* "DES-CBC" is DES and DES-CBC3; "DES-EDE" the SRP/PSK 3DES suites
     * (SRP-3DES-EDE-CBC-SHA). */
    static const char *const contains[] = { "NULL", "RC4", "DES-CBC", "DES-EDE", "MD5", "EXP" };
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

int tg_cipher_needs_secret(const char *name)
{
    if (!name)
        return 0;
    if (!strncmp(name, "SRP-", 4))
        return strncmp(name, "SRP-RSA-", 8) && strncmp(name, "SRP-DSS-", 8);
    return !strncmp(name, "PSK-", 4);
}
