/*
 * resolver.h — which name did the program resolve to reach an address?
 *
 * Legacy clients often send no SNI and set no host name; the name they
 * looked up (getaddrinfo, gethostbyname) is then the only honest name to
 * check the certificate against.
 */
#ifndef TG_RESOLVER_H
#define TG_RESOLVER_H

#include <stddef.h>
#include <sys/socket.h>

/* Remember that `name` resolved to `sa` (numeric names are ignored). */
void tg_resolver_remember(const char *name, const struct sockaddr *sa);
/* The same for one getaddrinfo() result, whose ai_addr the program may
 * connect() with: that socket is then tied to this name. */
void tg_resolver_remember_result(const char *name, const struct sockaddr *ai_addr);
/* connect(fd, sa): tie fd to the lookup that handed out `sa`, if any. */
void tg_resolver_tie(int fd, const struct sockaddr *sa);
/* The name the program resolved for the peer `sa` of socket `fd` (-1: no
 * socket): the socket's own lookup, else the one name the address is known
 * under; 0 when none, or when it is known under several (ambiguous). */
int tg_resolver_lookup(int fd, const struct sockaddr *sa, char *name, size_t n);

/* The peer of this thread's latest connect(): for the log's address and
 * port when a connection has no socket the shim can see (custom BIOs, as in
 * curl). Never used to choose the name a certificate is checked against. */
void tg_resolver_note_connect(const struct sockaddr *sa, socklen_t len);
int tg_resolver_last_connect(struct sockaddr_storage *out);

#endif
