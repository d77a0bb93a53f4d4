/*
 * cipher.c — recognising weak suites by their OpenSSL names, which are the
 * same from 1.0.1 to 3.x (NID accessors only exist from 1.1.0).
 */
#include "cipher.h"

#include <string.h>

/* Whether `word` starts at p. */
static inline int at(const char *p, const char *word)
{
    while (*word && *p == *word)
        p++, word++;
    return !*word;
}

/* The first letters of the words below, and the terminating NUL. */
static const unsigned char starts_word[256] = {
    ['\0'] = 1, ['N'] = 1, ['R'] = 1, ['D'] = 1, ['M'] = 1, ['E'] = 1
};

int tg_cipher_is_weak(const char *name)
{
    /* Weak: a name starting ADH- or AECDH- (anonymous), or containing NULL,
     * RC4, DES-CBC (DES and DES-CBC3), DES-EDE (the SRP/PSK 3DES suites,
     * SRP-3DES-EDE-CBC-SHA), MD5 or EXP. One pass over the name, looking
     * further only at the letters those words start with: a context's ~60
     * names are checked at its first handshake. */
    if (!name)
        return 1;
    /* TLS 1.3 suites (TLS_AES_…, TLS_CHACHA20_…) are all strong. */
    if (name[0] == 'T' && at(name, "TLS_"))
        return 0;
    if (name[0] == 'A' && (at(name, "ADH-") || at(name, "AECDH-")))
        return 1;
    /* Each case tests the word's second letter first: ECDHE, DHE, AES and
     * SHA put E, D and A everywhere. */
    for (const char *p = name; *p; p++) {
        while (!starts_word[(unsigned char)*p])
            p++; /* no weak word starts at this letter */
        switch (*p) {
        case 'N':
            if (p[1] == 'U' && at(p, "NULL"))
                return 1;
            break;
        case 'R':
            if (p[1] == 'C' && p[2] == '4')
                return 1;
            break;
        case 'D':
            if (p[1] == 'E' && p[2] == 'S' && p[3] == '-' && (at(p + 4, "CBC") || at(p + 4, "EDE")))
                return 1;
            break;
        case 'M':
            if (p[1] == 'D' && p[2] == '5')
                return 1;
            break;
        case 'E':
            if (p[1] == 'X' && p[2] == 'P')
                return 1;
            break;
        default:
            return 0; /* the end of the name */
        }
    }
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
