/*
 * ip_literal.h — is a name an IP address literal (IPv4 dotted quad or IPv6
 * text, as inet_pton reads them)?  Such a name is matched as an address, is
 * never sent as SNI and never remembered as a lookup's name: the shim's
 * peer, resolver and host-name code and `tlsguard pin` ask the same question.
 */
#ifndef TG_IP_LITERAL_H
#define TG_IP_LITERAL_H

/* 1 for "127.0.0.1" or "::1"; 0 for a host name, "1.2.3", "[::1]" or NULL. */
int tg_is_ip_literal(const char *s);

#endif
