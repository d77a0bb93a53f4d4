/*
 * pins.c — hashing public keys through the program's libcrypto (no OpenSSL
 * of our own): X509_get_pubkey + i2d_PUBKEY + EVP_Digest(SHA-256) exist from
 * 1.0.1 to 3.x; the pin itself is common/spki_pin.c's, as `tlsguard pin`'s.
 */
#include "pins.h"
#include "spki_pin.h"

#include <stdlib.h>
#include <string.h>

static int ossl_sha256(const void *ctx, const unsigned char *in, size_t len,
                       unsigned char out[TG_PIN_HASH_LEN])
{
    const struct tg_ossl *o = ctx;
    unsigned int n = 0;
    int ok = o->EVP_Digest(in, len, out, &n, o->EVP_sha256(), NULL) == 1;
    return ok && n == TG_PIN_HASH_LEN ? 0 : -1;
}

int tg_pin_of(const struct tg_ossl *o, X509 *cert, unsigned char out[32])
{
    EVP_PKEY *key = cert ? o->X509_get_pubkey(cert) : NULL;
    unsigned char *der = NULL, *p;
    int rc = -1;
    if (!key)
        return -1;
    int len = o->i2d_PUBKEY(key, NULL);
    if (len > 0 && (der = malloc((size_t)len)) != NULL) {
        p = der; /* i2d advances its pointer: keep ours */
        if (o->i2d_PUBKEY(key, &p) == len)
            rc = tg_spki_hash(der, len, ossl_sha256, o, out);
    }
    free(der);
    o->EVP_PKEY_free(key);
    return rc;
}

int tg_pins_match_chain(const struct tg_ossl *o, const OPENSSL_STACK *chain,
                        const struct tg_pin *pins, size_t count)
{
    int n = tg_ossl_sk_num(o, chain);
    for (int i = 0; i < n; i++) {
        unsigned char h[32];
        if (tg_pin_of(o, tg_ossl_sk_value(o, chain, i), h) != 0)
            return -1;
        for (size_t k = 0; k < count; k++)
            if (!memcmp(h, pins[k].sha256, sizeof h))
                return 1;
    }
    return 0;
}
