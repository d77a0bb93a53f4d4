/*
 * spki_pin.c — the pin of a DER SubjectPublicKeyInfo, and its text.
 */
#include "spki_pin.h"

#include <string.h>

int tg_spki_hash(const unsigned char *der, int len, tg_sha256_fn sha256, const void *ctx,
                 unsigned char out[TG_PIN_HASH_LEN])
{
    if (!der || len <= 0 || !sha256)
        return -1;
    return sha256(ctx, der, (size_t)len, out) == 0 ? 0 : -1;
}

/* Standard base64 (RFC 4648 section 4) with '=' padding; out has room for
 * 4 * ceil(n / 3) + 1 bytes. */
static void base64_encode(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = '\0';
}

void tg_pin_text(const unsigned char hash[TG_PIN_HASH_LEN], char out[TG_PIN_TEXT_SIZE])
{
    memcpy(out, "sha256/", 7);
    base64_encode(hash, TG_PIN_HASH_LEN, out + 7);
}
