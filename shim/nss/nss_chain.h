/*
 * nss_chain.h — whose anchors a peer's chain is verified against.
 */
#ifndef TG_NSS_CHAIN_H
#define TG_NSS_CHAIN_H

#include "nss_api.h"
#include "rules.h"

/* 1 when `leaf` verifies for a TLS server against the program's NSS trust
 * (CERT_VerifyCert as SSL_AuthCertificate calls it, `pin_arg` the
 * socket's; *own is then 1), or against the policy's anchors for this
 * connection (`ru`: its host's and the global ones; the system's too where
 * the program's NSS trusts no CA; *own 0) — a leaf byte-equal to one of the
 * policy's anchors passes on its validity times alone, its chain itself,
 * *own 0 — the chain in *chain when
 * `chain` is not NULL (the caller destroys it); 0 with NSS's error in
 * *err. */
int tg_nss_verify_chain(const struct tg_nss *n, tg_nss_cert *leaf, const struct tg_rules *ru,
                        void *pin_arg, tg_nss_cert_list **chain, int *own, int32_t *err);

#endif
