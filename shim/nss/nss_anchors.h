/*
 * nss_anchors.h — the policy's PEM anchors (ca-file and ca-dir, global
 * and per host)
 * as NSS temporary certificates, trusted as server CAs beside the
 * program's own NSS trust (its database and modules: never narrowed, only
 * widened by what the policy names). CERT_PKIXVerifyCert's per-call
 * anchors answer SEC_ERROR_INVALID_ARGS on Debian's NSS 3.87, so trust is
 * given to the temporary certificates instead: the global ca-file's for
 * the process, a host block's only while the shim checks that host.
 */
#ifndef TG_NSS_ANCHORS_H
#define TG_NSS_ANCHORS_H

#include "nss_api.h"

/* The certificates of the PEM file `path`, or of every file in the
 * directory `path`, parsed once per process and kept; NULL when it has
 * none or cannot be read. */
tg_nss_cert_list *tg_nss_anchors(const struct tg_nss *n, const char *path);

/* Give every certificate of `list` the trust of a server CA (`on`), or
 * none. */
void tg_nss_anchors_trust(const struct tg_nss *n, tg_nss_cert_list *list, int on);

#endif
