/*
 * block.c — turning a decision into a log line and an OpenSSL error.
 */
#include "block.h"
#include "log.h"
#include "peer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Reason strings, indexed by enum tg_reason. They are what programs show
 * (python's SSLError text, ERR_error_string), so each names tlsguard. The
 * per-connection detail (host, port, why) travels as the error's data. */
static const char *const reason_text[TG_R_COUNT] = {
    [TG_R_NONE] = "tlsguard: blocked",
    [TG_R_PROTOCOL] = "tlsguard: blocked: protocol below TLS 1.2",
    [TG_R_CIPHER] = "tlsguard: blocked: only weak cipher suites in common",
    [TG_R_CERT] = "tlsguard: blocked: certificate verification failed",
    [TG_R_NAME] = "tlsguard: blocked: certificate host name mismatch",
    [TG_R_NO_NAME] = "tlsguard: blocked: no host name to verify",
    [TG_R_UNVERIFIED] = "tlsguard: blocked: peer certificate not verified",
    [TG_R_PIN] = "tlsguard: blocked: certificate pin mismatch",
    [TG_R_POLICY] = "tlsguard: blocked: policy file invalid",
    [TG_R_BLOCKED] = "tlsguard: connection was blocked by policy",
    [TG_R_INTERNAL] = "tlsguard: blocked: policy could not be applied",
};

/* ERR_load_strings keeps pointers into these and patches the library
 * number in place, so they are static and writable: one set per libssl
 * copy (libs.c registers at most 4). */
struct err_string { unsigned long error; const char *string; };
#define MAX_COPIES 4
static struct err_string reasons[MAX_COPIES][TG_R_COUNT + 1];
static struct err_string lib_name[MAX_COPIES][2];
static int registered;

/* Called under libs.c's registry lock. */
void tg_block_init(const struct tg_ossl *o)
{
    int k = registered++;
    if (k >= MAX_COPIES)
        return;
    o->state->err_lib = o->ERR_get_next_error_library();
    for (int i = 1; i < TG_R_COUNT; i++) {
        reasons[k][i - 1].error = tg_ossl_err_pack(o, 0, i);
        reasons[k][i - 1].string = reason_text[i];
    }
    o->ERR_load_strings(o->state->err_lib, reasons[k]);
    lib_name[k][0].error = tg_ossl_err_pack(o, o->state->err_lib, 0);
    lib_name[k][0].string = "tlsguard";
    o->ERR_load_strings(0, lib_name[k]);
}

void tg_block_reason(struct tg_conn *c, enum tg_reason why, const char *fmt, ...)
{
    va_list ap;
    if (c->reason != TG_R_NONE)
        return;
    c->reason = why;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
}

static void where(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c, char *host,
                  size_t n, int *port)
{
    struct tg_peer p;
    tg_peer_identify(o, ssl, &p);
    snprintf(host, n, "%s", c->host[0] ? c->host : p.name[0] ? p.name : p.ip_text[0] ? p.ip_text : "-");
    *port = p.port;
}

/* One log line about `ssl`; protocol and cipher once negotiated. */
static void decide(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c, const char *action,
                   const char *reason, char *host, size_t hostlen, int *port)
{
    where(o, ssl, c, host, hostlen, port);
    int done = tg_ossl_handshake_done(o, ssl);
    const SSL_CIPHER *ciph = done ? o->SSL_get_current_cipher(ssl) : NULL;
    struct tg_decision d = {
        .action = action,
        .host = host,
        .port = *port,
        .protocol = done ? o->SSL_get_version(ssl) : NULL,
        .cipher = ciph ? o->SSL_CIPHER_get_name(ciph) : NULL,
        .reason = reason,
    };
    tg_log_decision(&d);
}

static void push(const struct tg_ossl *o, enum tg_reason why, const char *host, int port,
                 const char *detail)
{
    char text[512];
    if (port > 0)
        snprintf(text, sizeof text, "host=%s port=%d: %s", host, port, detail);
    else
        snprintf(text, sizeof text, "host=%s: %s", host, detail);
    tg_ossl_err_push(o, o->state->err_lib, why, text);
}

void tg_block(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    char host[256];
    int port;
    if (c->reason == TG_R_NONE)
        tg_block_reason(c, TG_R_INTERNAL, "blocked without a recorded reason");
    c->blocked = 1;
    if (!c->logged) {
        c->logged = 1;
        decide(o, ssl, c, "block", c->detail, host, sizeof host, &port);
    } else {
        where(o, ssl, c, host, sizeof host, &port);
    }
    push(o, c->reason, host, port, c->detail);
}

void tg_block_audit(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    char host[256], reason[300];
    int port;
    if (c->logged)
        return;
    c->logged = 1;
    snprintf(reason, sizeof reason, "would block: %s", c->detail);
    decide(o, ssl, c, "audit", reason, host, sizeof host, &port);
}

void tg_block_allow(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    char host[256], reason[300];
    int port;
    if (c->logged)
        return;
    c->logged = 1;
    if (c->pins_expired) {
        snprintf(reason, sizeof reason, "pins expired (policy line %d): not enforced",
                 c->policy_line);
        decide(o, ssl, c, "notice", reason, host, sizeof host, &port);
    }
    if (tg_log_wants_allowed())
        decide(o, ssl, c, "allow", c->pins_ok ? "verified, pinned" : "verified", host, sizeof host,
           &port);
}

void tg_block_refuse(const struct tg_ossl *o, const SSL *ssl, struct tg_conn *c)
{
    char host[256];
    int port;
    where(o, ssl, c, host, sizeof host, &port);
    push(o, TG_R_BLOCKED, host, port, c->detail);
}

void tg_block_internal(const struct tg_ossl *o, const SSL *ssl, const char *why)
{
    struct tg_conn tmp;
    memset(&tmp, 0, sizeof tmp);
    tg_block_reason(&tmp, TG_R_INTERNAL, "%s", why);
    if (o && ssl) {
        tg_block(o, ssl, &tmp);
        return;
    }
    struct tg_decision d = { .action = "block", .reason = why };
    tg_log_decision(&d);
}
