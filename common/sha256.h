/*
 * sha256.h — SHA-256 (FIPS 180-4) in plain C: the hash of a pin, the same in
 * the shim (which links no libcrypto) and the tools, and in whatever TLS
 * backend hands over a DER SubjectPublicKeyInfo.
 */
#ifndef TG_SHA256_H
#define TG_SHA256_H

#include <stddef.h>

#define TG_SHA256_LEN 32

void tg_sha256(const void *data, size_t len, unsigned char out[TG_SHA256_LEN]);

#endif
