/*
 * gt_certs.h — the peer's certificates, parsed once and kept for the next
 * handshake that is sent the same bytes.
 *
 * Parsing a certificate (gnutls_x509_crt_init + _import + _deinit) cost
 * the shim ~0.28 M instructions a handshake, a third of all it added to a
 * client's repeated handshakes with one server. A parsed certificate is a
 * function of its DER bytes alone, and nothing the shim does with it
 * (verification, name check, public key) changes it; so one parsed for
 * the same bytes is the one a fresh import would give. Each is used by one
 * caller at a time: taken out of the cache, given back after.
 */
#ifndef TG_GT_CERTS_H
#define TG_GT_CERTS_H

#include "gtls.h"

/* A parsed certificate of `der`, the caller's until given back; NULL when
 * it cannot be parsed. */
tg_gt_crt tg_gt_certs_take(const struct tg_gtls *g, const tg_gt_datum *der);

/* `crt`, parsed from `der` (still valid), kept for a later take, or freed. */
void tg_gt_certs_give(const struct tg_gtls *g, tg_gt_crt crt, const tg_gt_datum *der);

#endif
