/*
 * nss_backend.h — the NSS backend's side of shim/core/backend.h: what NSS
 * knows about whom a socket is for (its URL, which NSS also sends as the
 * server name), its socket, what it negotiated.
 */
#ifndef TG_NSS_BACKEND_H
#define TG_NSS_BACKEND_H

#include "backend.h"
#include "nss_records.h"

struct tg_backend_conn {
    const struct tg_nss *n;
    struct tg_nss_rec *r;
    char url[256]; /* SSL_SetURL's name, "" when none */
    char protocol[16];
    char suite[96];
};

extern const struct tg_backend tg_nss_backend;

/* A connection view of `r`'s socket (reads its URL). */
void tg_nss_conn_init(struct tg_backend_conn *bc, const struct tg_nss *n, struct tg_nss_rec *r);

/* "TLSv1.2" for a wire version, NULL for none. */
const char *tg_nss_protocol_name(uint16_t v);

#endif
