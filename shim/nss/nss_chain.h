/*
 * nss_chain.h — whose anchors a peer's chain is verified against.
 */
#ifndef TG_NSS_CHAIN_H
#define TG_NSS_CHAIN_H

#include "nss_api.h"
#include "rules.h"

/* 1 when `leaf` verifies for a TLS server against the program's NSS trust,
 * or against the policy's anchors for this connection (`ru`: its host's
 * and the global ones; the system's too where the program's NSS trusts no
 * CA), the chain in *chain (the caller destroys it); 0 with NSS's error
 * in *err. */
int tg_nss_verify_chain(const struct tg_nss *n, tg_nss_cert *leaf, const struct tg_rules *ru,
                        tg_nss_cert_list **chain, int32_t *err);

#endif
