/*
 * backend.h — what the core needs from a TLS library's backend.
 *
 * A backend (shim/openssl/, later shim/gnutls/, shim/nss/) hooks its
 * library, gathers facts into the core's structs (name.h, verdict.h),
 * asks tg_decide for the verdict and applies it its own way (an error on
 * its library's error queue, a failed handshake, a shut connection). The
 * core calls back into a backend only through this table, and only for
 * what it cannot be handed up front: who the peer is (lazily: the socket's
 * facts cost a system call) and what was negotiated, for the log line.
 *
 * A client connection's life in core calls (shim/openssl/enforce.c and
 * verify.c do exactly this), each connection keeping a struct tg_rules and
 * a struct tg_verdict:
 *   handshake start   tg_verdict_restart; tg_peer_name(early) and
 *                     tg_rules_apply for that name (0: block now); apply
 *                     rules.settings.min_protocol, the weak-suite floor, forced
 *                     verification, unless rules.audit
 *   certificate       verify the chain strictly; tg_peer_name (not early),
 *                     tg_rules_apply for it, copy it to verdict.host; match
 *                     the leaf; the pins when tg_rules_pins_due; then
 *                     tg_decide on those facts (a 0 fails the handshake
 *                     inside the library, unless audit)
 *   handshake end     tg_decide on the end's facts; tg_verdict_action:
 *                     ALLOW -> tg_verdict_log_allow, AUDIT ->
 *                     tg_verdict_log_audit, BLOCK -> tg_verdict_log_block
 *                     and the library's error from tg_verdict_error_text
 *   failed handshake  tg_decide on the failure's facts, then the same
 */
#ifndef TG_BACKEND_H
#define TG_BACKEND_H

#include "name.h"

/* One connection as its backend knows it (each backend defines it: its
 * library copy and connection object). Opaque to the core. */
struct tg_backend_conn;

struct tg_negotiated {
    const char *protocol; /* "TLSv1.2", NULL before the handshake finished */
    const char *suite;    /* NULL likewise */
};

struct tg_backend {
    const char *name; /* "openssl" */
    /* The names the program gave the connection, no system call: the host
     * name it set for the certificate check (`matched`, when not NULL, is
     * the one the library itself already verified and goes first) and the
     * SNI. Unknown facts stay NULL; strings live as long as `bc`. */
    void (*names)(struct tg_backend_conn *bc, const char *matched, struct tg_name_facts *f);
    /* The socket the connection runs over, -1 when the library talks to
     * something else (a custom transport). */
    int (*socket)(struct tg_backend_conn *bc);
    /* What the finished handshake negotiated (NULLs before). */
    void (*negotiated)(struct tg_backend_conn *bc, struct tg_negotiated *n);
    /* For the shim's dlsym (shim/libc/hook_dlsym.c): is the loaded library
     * `soname`, which holds `fn`, one whose functions this backend hooks,
     * and would its hooks route a call from `caller`'s object to that copy?
     * Then a program asking dlsym for one of them gets the hook. */
    int (*hands_out)(const char *soname, const void *fn, const void *caller);
};

/* Every backend, NULL-terminated (shim/core/backends.c). */
extern const struct tg_backend *const tg_backends[];

#endif
