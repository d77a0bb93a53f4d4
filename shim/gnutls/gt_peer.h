/*
 * gt_peer.h — who a GnuTLS session talks to: the name its certificate is
 * checked against (SPEC.md's order) and the address for the log.
 */
#ifndef TG_GT_PEER_H
#define TG_GT_PEER_H

#include "gt_records.h"

struct tg_gt_peer {
    char name[256];     /* THE name; "" when none is known */
    int name_is_ip;     /* `name` is an address, checked against IP SANs */
    char ip_text[64];   /* the peer's address, "" when unknown */
    int port;           /* 0: unknown */
};

/* The facts, then the choice: the name the program verifies against
 * (gnutls_session_set_verify_cert), the SNI, the name it resolved for the
 * session's socket, the socket's peer address. `early`: only the first two,
 * which cost no system call. */
void tg_gt_peer_identify(const struct tg_gtls *g, const struct tg_gt_rec *r, int early,
                         struct tg_gt_peer *p);

#endif
