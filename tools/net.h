/*
 * net.h — TCP helpers for `tlsguard pin`.
 */
#ifndef TG_NET_H
#define TG_NET_H

#include <stddef.h>

#include "ip_literal.h"

#define PIN_TIMEOUT_MS 10000

long long tg_now_ms(void);
/* Milliseconds until deadline, 0 if past. */
int tg_ms_left(long long deadline);
/* Wait until fd is ready for events or the deadline: 1 ready, 0 timed out, -1 error. */
int tg_wait_fd(int fd, short events, long long deadline);
/* HOST[:PORT] ("example.com", "example.com:8443", "[::1]", "[::1]:8443"; a bare
 * IPv6 address is all host) into host and port (default 443); 0 or -1. */
int tg_split_target(const char *t, char *host, size_t hn, char *port, size_t pn);
/* A connected non-blocking socket, trying every address of host, or -1 with
 * the reason in why. */
int tg_tcp_connect(const char *host, const char *port, long long deadline, char *why, size_t wn);

#endif
