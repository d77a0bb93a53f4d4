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
/* The most recent name that resolved to the address of `sa`; 1 if found. */
int tg_resolver_lookup(const struct sockaddr *sa, char *name, size_t n);
/* 1 when `s` is an IPv4 or IPv6 literal. */
int tg_is_ip_literal(const char *s);


/* The peer of this thread's latest connect(): for the log's address and
 * port when a connection has no socket the shim can see (custom BIOs, as in
 * curl). Never used to choose the name a certificate is checked against. */
void tg_resolver_note_connect(const struct sockaddr *sa, socklen_t len);
int tg_resolver_last_connect(struct sockaddr_storage *out);

#endif
