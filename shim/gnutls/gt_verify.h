/*
 * gt_verify.h — the certificate check the GnuTLS backend makes inside the
 * handshake, whatever the program asked for: the chain against the
 * program's anchors (else the system's), the policy's global and per-host
 * anchors; THE name; the host's pins.
 */
#ifndef TG_GT_VERIFY_H
#define TG_GT_VERIFY_H

#include "gt_peer.h"

/* 0 when the peer's chain passes; else -1 with the reason in `r`. */
int tg_gt_verify_chain(const struct tg_gtls *g, struct tg_gt_rec *r, const struct tg_gt_peer *p);

/* 0 when the negotiated version (and with `suite_too` the suite) meet the
 * floor; else -1 with the reason in `r`. The suite only once the handshake
 * is done: before TLS 1.2's ChangeCipherSpec libgnutls reports the NULL
 * cipher of the epoch still in use. */
int tg_gt_verify_params(const struct tg_gtls *g, struct tg_gt_rec *r, int suite_too);

/* "TLSv1.2" (as OpenSSL and the log write it) for a gnutls_protocol_t. */
const char *tg_gt_protocol_name(int version);

#endif
