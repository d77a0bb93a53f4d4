/*
 * spki_pin.h — a public key's pin, SPEC.md's `sha256/BASE64`: SHA-256 of
 * the DER SubjectPublicKeyInfo, standard base64 (as HPKP and OkHttp write
 * it).  Each side gets the DER its own way (the shim through the program's
 * libcrypto, `tlsguard pin` through its linked one); from there one step.
 */
#ifndef TG_SPKI_PIN_H
#define TG_SPKI_PIN_H

#include <stddef.h>

#include "sha256.h"

/* "sha256/" + 44 base64 characters + NUL. */
#define TG_PIN_TEXT_SIZE 52

/* The pin's hash: SHA-256 of the DER SubjectPublicKeyInfo. */
void tg_spki_hash(const unsigned char *der, size_t len, unsigned char out[TG_SHA256_LEN]);

/* "sha256/BASE64" of a pin's hash into out (TG_PIN_TEXT_SIZE bytes). */
void tg_pin_text(const unsigned char hash[TG_SHA256_LEN], char out[TG_PIN_TEXT_SIZE]);

#endif
