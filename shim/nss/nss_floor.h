/*
 * nss_floor.h — the protocol and suite floor on an NSS socket or on NSS's
 * defaults, whatever the program asked for.
 */
#ifndef TG_NSS_FLOOR_H
#define TG_NSS_FLOOR_H

#include "nss_api.h"

/* The lowest wire version `min_protocol` (TG_TLS1_2 / TG_TLS1_3) allows. */
uint16_t tg_nss_floor_of(int min_protocol);

/* `in` raised to the floor: min at least `floor`, max at least min. */
tg_nss_range tg_nss_range_clamp(const tg_nss_range *in, uint16_t floor);

/* Raise the socket's (fd) or the defaults' (fd NULL) range to the floor;
 * 0 on success. */
int tg_nss_floor_apply(const struct tg_nss *n, tg_pr_fd *fd, uint16_t floor);

/* 1 if the suite is one the floor refuses (SPEC.md's weak set, by its
 * IANA name: NULL, anon, EXPORT, RC4, DES and 3DES, MD5). */
int tg_nss_suite_weak(const struct tg_nss *n, uint16_t suite);

/* Turn every weak suite off on the socket (fd) or in the defaults. */
void tg_nss_weak_off(const struct tg_nss *n, tg_pr_fd *fd);

#endif
