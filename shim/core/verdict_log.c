/*
 * verdict_log.c — log lines and error texts from verdicts.
 */
#include "verdict_log.h"
#include "ip_literal.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static void log_line(const struct tg_backend *b, struct tg_backend_conn *bc,
                     const struct tg_verdict *v, const char *action, const char *reason,
                     struct tg_where *w)
{
    tg_peer_where(b, bc, v->host, w);
    struct tg_decision d = {
        .action = action,
        .host = w->host,
        .port = w->port,
        .protocol = w->negotiated.protocol,
        .cipher = w->negotiated.suite,
        .reason = reason,
    };
    tg_log_decision(&d);
}

void tg_verdict_log_block(const struct tg_backend *b, struct tg_backend_conn *bc,
                          struct tg_verdict *v, struct tg_where *w)
{
    tg_verdict_note(v, TG_R_INTERNAL, "blocked without a recorded reason"); /* if none */
    v->blocked = 1;
    if (v->logged) {
        tg_peer_where(b, bc, v->host, w);
        return;
    }
    v->logged = 1;
    log_line(b, bc, v, "block", v->detail, w);
    /* Blocked before a name was judged (a refused version, say): later
     * errors name what the line named, not what is left of a socket the
     * block shut and the peer closed (no peer address any more). */
    if (!v->host[0] && strcmp(w->host, "-")) {
        snprintf(v->host, sizeof v->host, "%s", w->host);
        v->host_is_ip = tg_is_ip_literal(w->host) != 0;
    }
}

void tg_verdict_log_audit(const struct tg_backend *b, struct tg_backend_conn *bc,
                          struct tg_verdict *v)
{
    char reason[300];
    struct tg_where w;
    if (v->logged)
        return;
    v->logged = 1;
    snprintf(reason, sizeof reason, "would block: %s", v->detail);
    log_line(b, bc, v, "audit", reason, &w);
}

void tg_verdict_log_allow(const struct tg_backend *b, struct tg_backend_conn *bc,
                          struct tg_verdict *v, const struct tg_rules *r)
{
    char reason[300];
    struct tg_where w;
    if (v->logged)
        return;
    v->logged = 1;
    if (v->pins_expired) {
        snprintf(reason, sizeof reason, "pins expired (policy line %d): not enforced",
                 r->settings.block_line);
        log_line(b, bc, v, "notice", reason, &w);
    }
    if (tg_log_wants_allowed())
        log_line(b, bc, v, "allow", v->pins_ok ? "verified, pinned" : "verified", &w);
}

void tg_verdict_error_text(const struct tg_verdict *v, const struct tg_where *w, char *buf,
                           size_t n)
{
    if (w->port > 0)
        snprintf(buf, n, "tlsguard: blocked host=%s port=%d: %s", w->host, w->port, v->detail);
    else
        snprintf(buf, n, "tlsguard: blocked host=%s: %s", w->host, v->detail);
}
