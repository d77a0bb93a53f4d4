/*
 * nss_guard.h — an NSPR layer of the shim's, pushed just under NSS's own
 * on every imported socket: once the socket's verdict is a block, no byte
 * moves either way, whichever road above reached the lower layers
 * (PR_Write, PR_Send, a method table called directly, a layer of the
 * program's own on top). Its close frees the socket's record.
 */
#ifndef TG_NSS_GUARD_H
#define TG_NSS_GUARD_H

#include "nss_records.h"

/* Put the guard under the top layer of `r->fd`; 0 on success. */
int tg_nss_guard_push(const struct tg_nss *n, struct tg_nss_rec *r);

#endif
