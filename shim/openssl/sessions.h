/*
 * sessions.h — what a session's full handshake proved, kept beside the
 * session instead of in its ex-data.
 *
 * Ex-data of our own on an SSL_SESSION makes OpenSSL run every registered
 * dup callback when it copies the session (TLS 1.3 tickets are copies), and
 * programs' callbacks (stunnel's) crash on the empty slots they then see.
 * So the marks live in a bounded table keyed by the session's address and
 * checked against the session's id, creation time and (1.1.0+) a digest of
 * its master secret: a freed session whose address is reused never inherits
 * a mark. A mark lost to eviction only costs a full handshake.
 */
#ifndef TG_SESSIONS_H
#define TG_SESSIONS_H

#include "ossl.h"
#include "policy.h"

/* The session `s` was verified for `host` (an address when host_is_ip),
 * with its chain matching `pins` (NULL: the host had none). */
void tg_session_mark(const struct tg_ossl *o, SSL_SESSION *s, const struct tg_pin *pins,
                     const char *host, int host_is_ip);
/* 1 when `s` is marked, whatever for. */
int tg_session_is_marked(const struct tg_ossl *o, SSL_SESSION *s);
/* 1 when `s` was verified for exactly this name and pin set. */
int tg_session_vouches(const struct tg_ossl *o, SSL_SESSION *s, const char *host, int host_is_ip,
                       const struct tg_pin *pins);

#endif
