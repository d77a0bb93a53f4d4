/*
 * nss_anchors.h — the policy's PEM anchors (ca-file and ca-dir, global
 * and per host)
 * as NSS temporary certificates without any trust of their own: they are
 * handed to one check as its anchors (CERT_PKIXVerifyCert's
 * cert_pi_trustAnchors, shim/nss/nss_chain.c), never given trust in
 * NSS's database, so no other connection and no check of the program's
 * own ever trusts them.
 */
#ifndef TG_NSS_ANCHORS_H
#define TG_NSS_ANCHORS_H

#include "nss_api.h"

/* The certificates of the PEM file `path`, or of every file in the
 * directory `path`, parsed once per process and kept; NULL when it has
 * none or cannot be read. */
tg_nss_cert_list *tg_nss_anchors(const struct tg_nss *n, const char *path);

/* The system's anchors (SSL_CERT_FILE or the distribution's bundle;
 * SSL_CERT_DIR), for a program whose NSS trusts no CA: out[0] the file's,
 * out[1] the directory's, NULL for none. */
void tg_nss_anchors_system(const struct tg_nss *n, tg_nss_cert_list *out[2]);

#endif
