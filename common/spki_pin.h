/*
 * spki_pin.h — a public key's pin, SPEC.md's `sha256/BASE64`: SHA-256 of
 * the DER SubjectPublicKeyInfo, standard base64 (as HPKP and OkHttp write
 * it).  Each side takes the DER the same way (X509_get_pubkey + i2d_PUBKEY:
 * the shim through the program's libcrypto, `tlsguard pin` through its
 * linked one) and hashes it here with the SHA-256 it brings: libcrypto's
 * (0.55 us for a 294-byte key here) is twice as fast as a plain C one.
 */
#ifndef TG_SPKI_PIN_H
#define TG_SPKI_PIN_H

#include <stddef.h>

#define TG_PIN_HASH_LEN 32
/* "sha256/" + 44 base64 characters + NUL. */
#define TG_PIN_TEXT_SIZE 52

/* SHA-256 of in[0..len) into out; 0 on success.  ctx is the caller's. */
typedef int (*tg_sha256_fn)(const void *ctx, const unsigned char *in, size_t len,
                            unsigned char out[TG_PIN_HASH_LEN]);

/* The pin's hash of a DER SubjectPublicKeyInfo of len bytes (as i2d_*
 * return it: <= 0 is a failed encoding); 0, or -1 (fail closed). */
int tg_spki_hash(const unsigned char *der, int len, tg_sha256_fn sha256, const void *ctx,
                 unsigned char out[TG_PIN_HASH_LEN]);

/* "sha256/BASE64" of a pin's hash into out (TG_PIN_TEXT_SIZE bytes). */
void tg_pin_text(const unsigned char hash[TG_PIN_HASH_LEN], char out[TG_PIN_TEXT_SIZE]);

#endif
