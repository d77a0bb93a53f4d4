/*
 * peer.h — who a connection is talking to, from its backend's facts: THE
 * name it is judged for (name.h), and where its log line says it went.
 */
#ifndef TG_PEER_H
#define TG_PEER_H

#include "backend.h"
#include "name.h"

/* THE name of a client connection: the program's names first (`matched`:
 * the name the library verified already, see backend.h); the socket's
 * facts (a system call) only when those do not settle it, and never when
 * `early` (handshake start: policy looked up for what is known). */
void tg_peer_name(const struct tg_backend *b, struct tg_backend_conn *bc, const char *matched,
                  int early, struct tg_name *out);

struct tg_where {
    char host[256]; /* never empty: "-" when nothing is known */
    int port;       /* 0: unknown */
    struct tg_negotiated negotiated;
};

/* For a log line or an error text: the name the connection is judged for
 * (`judged`, "" if none yet), else THE name, else the address of this
 * thread's latest connect(), else "-"; the peer's port; what was
 * negotiated. */
void tg_peer_where(const struct tg_backend *b, struct tg_backend_conn *bc, const char *judged,
                   struct tg_where *w);

#endif
