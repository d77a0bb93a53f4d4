/*
 * peer_addr.h — the socket's side of a connection's identity: the peer's
 * address and port, and the name the program resolved for it.
 */
#ifndef TG_PEER_ADDR_H
#define TG_PEER_ADDR_H

#include <stddef.h>

struct tg_peer_addr {
    unsigned char ip[16]; /* the peer address when known */
    size_t ip_len;        /* 0: no address (no socket, not connected) */
    char ip_text[64];
    int port;           /* 0: unknown */
    int is_socket;      /* the address is `fd`'s own peer; else it is only
                              this thread's latest connect(), good for the
                              log, never for naming */
    char resolved[256]; /* with want_name: the name the program resolved
                              for the socket's peer, "" if none or ambiguous */
};

/* The peer of socket `fd` (-1: no socket: this thread's latest connect()). */
void tg_peer_addr_of(int fd, int want_name, struct tg_peer_addr *a);

#endif
