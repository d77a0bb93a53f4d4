/*
 * peer.h — who is the connection talking to: the name to check the
 * certificate against and the address for the log.
 */
#ifndef TG_PEER_H
#define TG_PEER_H

#include "ossl.h"

#include <stddef.h>

enum tg_name_source {
    TG_NAME_NONE = 0,
    TG_NAME_HOST,     /* the name the program set (SSL_set1_host & co.) */
    TG_NAME_SNI,      /* the server name the program sends */
    TG_NAME_RESOLVED, /* the name the program resolved to the peer's address */
    TG_NAME_IP,       /* the literal peer address, checked against IP SANs */
};

struct tg_peer {
    enum tg_name_source source;
    char name[256];          /* name, or the address in text for TG_NAME_IP */
    unsigned char ip[16];    /* the peer address when known */
    size_t ip_len;           /* 0: no address (memory BIO, not connected) */
    char ip_text[64];
    int port;                /* 0: unknown */
    int addr_is_socket;      /* the address is the SSL's own socket's peer;
                                else it is only this thread's latest
                                connect(), good for the log, not for naming */
};

/* Fill `p` from the SNI, the resolver table and the socket, in that order
 * of preference for the name (for the log's address and port). */
void tg_peer_identify(const struct tg_ossl *o, const SSL *ssl, struct tg_peer *p);
/* THE name a client connection is judged for, in SPEC.md's order: the
 * name the program set (`set_host`, what OpenSSL matched; else, from 3.0,
 * read from the SSL's parameters), the SNI, the name resolved for the
 * socket's peer, the peer address. With a name of the first two kinds the
 * address (a system call) is not looked up. Policy lookup, certificate
 * check and log line all take it from here. */
void tg_peer_name(const struct tg_ossl *o, const SSL *ssl, const char *set_host, struct tg_peer *p);
/* Only what is known before the handshake without a system call: the
 * program's host name (3.0+) or the SNI; source TG_NAME_NONE otherwise. */
void tg_peer_early_name(const struct tg_ossl *o, const SSL *ssl, struct tg_peer *p);

#endif
