/*
 * pins.h — SPKI pins: SHA-256 of each certificate's DER SubjectPublicKeyInfo
 * (as HPKP and OkHttp write them), matched against a verified chain.
 */
#ifndef TG_PINS_H
#define TG_PINS_H

#include "ossl.h"
#include "policy.h"

#include <stddef.h>

/* 1 if some certificate of `chain` has one of the pins; 0 if none does;
 * -1 if a certificate could not be hashed (fail closed). */
int tg_pins_match_chain(const struct tg_ossl *o, const OPENSSL_STACK *chain,
                        const struct tg_pin *pins, size_t count);

/* The SHA-256 of the certificate's DER SPKI; 0 on success. */
int tg_pin_of(const struct tg_ossl *o, X509 *cert, unsigned char out[32]);

#endif
