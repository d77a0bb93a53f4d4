/*
 * gt_verify.h — the facts of a GnuTLS session the core judges (verdict.h):
 * its certificate, checked inside the handshake whatever the program asked
 * for (the chain against the program's anchors, else the system's, then
 * the policy's global and per-host ones; THE name; the host's pins), and
 * what it negotiated.
 */
#ifndef TG_GT_VERIFY_H
#define TG_GT_VERIFY_H

#include "gt_records.h"

#include <stddef.h>

/* The certificate's facts into `f` (f->host, f->host_is_ip already set):
 * chain (its failure in `why`), name, pins when due, the host block's
 * anchors when they are what verified it. */
void tg_gt_cert_facts(const struct tg_gtls *g, struct tg_gt_rec *r, struct tg_facts *f, char *why,
                      size_t n);
/* The same on `certs`: the session's peer certificates as sent, already
 * parsed (by libgnutls, for the program's own verification), borrowed. */
void tg_gt_cert_facts_of(const struct tg_gtls *g, struct tg_gt_rec *r, tg_gt_crt *certs,
                         unsigned ncerts, struct tg_facts *f, char *why, size_t n);

/* What was negotiated: the version, and with `suite_too` the suite (only
 * once the handshake is done: before TLS 1.2's ChangeCipherSpec libgnutls
 * reports the NULL cipher of the epoch still in use). */
void tg_gt_negotiated_facts(const struct tg_gtls *g, const struct tg_gt_rec *r, int suite_too,
                            struct tg_facts *f);

/* "TLSv1.2" (as OpenSSL and the log write it) for a gnutls_protocol_t. */
const char *tg_gt_protocol_name(int version);

/* The negotiated suite's name, for the log. */
const char *tg_gt_suite_name(const struct tg_gtls *g, const struct tg_gt_rec *r);

#endif
