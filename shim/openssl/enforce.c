/*
 * enforce.c — prepare a connection before its handshake, judge it after.
 */
#include "enforce.h"
#include "block.h"
#include "callbacks.h"
#include "cipher.h"
#include "conn.h"
#include "guard.h"
#include "peer.h"
#include "sessions.h"
#include "settings.h"
#include "verify.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The options that switch off everything below TLS 1.2. SSLv2's bit only
 * before 1.1.0: from then on that bit is SSL_OP_NO_ANTI_REPLAY. */
static unsigned long floor_options(const struct tg_ossl *o)
{
    unsigned long ops = TG_OP_NO_SSLv3 | TG_OP_NO_TLSv1 | TG_OP_NO_TLSv1_1;
    return o->major == 1 && o->minor == 0 ? ops | TG_OP_NO_SSLv2 : ops;
}

/* TLS >= `floor` only (1.2, or 1.3 by policy), whichever way the program
 * asked for less: a fixed old method, OP_NO_* options, or min/max protocol
 * ctrls. */
static void apply_floor(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, int floor)
{
    int fixed = 0;
    const SSL_METHOD *up = tg_ossl_upgrade_method(o, o->SSL_get_ssl_method(ssl), &fixed);
    if (up) { /* not seen at creation (made before the shim could see it) */
        o->SSL_set_ssl_method(ssl, up);
        c->floor_raised = 1;
    }
    unsigned long below = floor_options(o) | (floor >= TG_TLS1_3_VERSION ? TG_OP_NO_TLSv1_2 : 0);
    unsigned long ops = tg_ossl_get_options(o, ssl);
    if ((ops & below) != below) {
        tg_ossl_set_options(o, ssl, below);
        c->floor_raised = 1;
    }
    /* A program that disabled every version the floor allows would just
     * fail; let it negotiate those instead. */
    unsigned long allowed = (floor < TG_TLS1_3_VERSION ? TG_OP_NO_TLSv1_2 : 0) |
                            (tg_ossl_has_proto_ctrl(o) ? TG_OP_NO_TLSv1_3 : 0);
    if (allowed && (ops & allowed) == allowed)
        tg_ossl_clear_options(o, ssl, allowed);
    if (tg_ossl_has_proto_ctrl(o)) {
        long min = o->SSL_ctrl(ssl, TG_CTRL_GET_MIN_PROTO_VERSION, 0, NULL);
        long max = o->SSL_ctrl(ssl, TG_CTRL_GET_MAX_PROTO_VERSION, 0, NULL);
        if (min < floor) {
            o->SSL_ctrl(ssl, TG_CTRL_SET_MIN_PROTO_VERSION, floor, NULL);
            c->floor_raised = 1;
        }
        if (max != 0 && max < floor)
            o->SSL_ctrl(ssl, TG_CTRL_SET_MAX_PROTO_VERSION, 0, NULL);
    }
}

/* The identity of a cipher list: its stack and the set of suites in it
 * (SSL_CIPHERs are static table entries, so equal sets give equal sums). */
static uint64_t fingerprint(const struct tg_ossl *o, const OPENSSL_STACK *sk, int n)
{
    uint64_t f = (uint64_t)(uintptr_t)sk * 0x9E3779B97F4A7C15ULL + (uint64_t)n;
    void *const *data = tg_ossl_sk_data(o, sk, n); /* once per handshake: no call per suite */
    for (int i = 0; i < n; i++)
        f += ((uint64_t)(uintptr_t)(data ? data[i] : tg_ossl_sk_value(o, sk, i)) + 1) * 0xC2B2AE3D27D4EB4FULL;
    return f ? f : 1;
}

/* Drop weak suites from the connection's list; 0 on failure. A context's
 * list found strong once is not scanned by name again (it would cost more
 * than a resumed handshake's own work in the shim). */
static int apply_cipher_floor(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    OPENSSL_STACK *sk = o->SSL_get_ciphers(ssl);
    int n = tg_ossl_sk_num(o, sk), weak = 0, usable = 0;
    struct tg_ctx *t = tg_ctx_get(o, o->SSL_get_SSL_CTX(ssl), 1);
    uint64_t f = fingerprint(o, sk, n);
    if (t && __atomic_load_n(&t->strong_ciphers, __ATOMIC_RELAXED) == f)
        return 1;
    char list[8192];
    size_t used = 0;
    list[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = o->SSL_CIPHER_get_name(tg_ossl_sk_value(o, sk, i));
        if (tg_cipher_is_weak(name)) {
            weak = 1;
            continue;
        }
        if (!strncmp(name, "TLS_", 4)) /* TLS 1.3 suites are set apart */
            continue;
        usable += !tg_cipher_needs_secret(name);
        size_t len = strlen(name);
        if (used + len + 2 > sizeof list)
            break;
        if (used)
            list[used++] = ':';
        memcpy(list + used, name, len + 1);
        used += len;
    }
    if (!weak) {
        if (t)
            __atomic_store_n(&t->strong_ciphers, f, __ATOMIC_RELAXED);
        return 1;
    }
    c->weak_dropped = 1;
    return o->SSL_set_cipher_list(ssl, usable ? list : TG_CIPHER_FALLBACK) == 1 ||
           o->SSL_set_cipher_list(ssl, TG_CIPHER_FALLBACK) == 1;
}

/* Verification on, our callback in line, for the handshake about to run. */
static void apply_verify(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    int mode = o->SSL_get_verify_mode(ssl);
    if (!c->prog_mode_known) { /* first sight: what the program asked for */
        c->prog_verify_mode = mode;
        c->prog_mode_known = 1;
    }
    int want = c->audit ? mode : mode | TG_VERIFY_PEER;
    if (mode != want || o->SSL_get_verify_callback(ssl) != tg_verify_cb)
        o->SSL_set_verify(ssl, want, tg_verify_cb);
}

/* The policy's settings for the connection's name: the first host block
 * that matches it, else the global ones. Again whenever the name the
 * connection is judged for changes (it may be known only once the peer's
 * certificate is verified). 0 when the policy is unusable. */
int tg_enforce_policy(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, const char *name)
{
    const char *err = NULL;
    const struct tg_policy *p = tg_settings_policy(&err);
    (void)o; (void)ssl;
    if (!p) {
        c->settings.min_protocol = TG_TLS1_2_VERSION;
        tg_block_reason(c, TG_R_POLICY, "invalid policy: %s", err ? err : "?");
        return 0;
    }
    if (c->policy_applied && !strcasecmp(c->policy_host, name ? name : ""))
        return 1;
    c->policy_applied = 1;
    snprintf(c->policy_host, sizeof c->policy_host, "%s", name ? name : "");
    /* A server judges no peer name: the global settings (no block matches NULL). */
    tg_policy_lookup(p, !c->is_server && name && *name ? name : NULL, &c->settings);
    c->audit = c->settings.mode == TG_MODE_AUDIT || tg_settings()->force_audit;
    return 1;
}

/* A session offered for resumption is good only for the name (and pins)
 * it was verified for; any other is dropped before the ClientHello, so a
 * full, verified handshake happens instead. */
static void check_session(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c, const char *name,
                          int is_ip)
{
    SSL_SESSION *s = o->SSL_get_session(ssl);
    c->resumed_ok = 0;
    if (!s)
        return;
    if (!c->blocked && name[0] && tg_session_vouches(o, s, name, is_ip, c->settings.pins)) {
        /* What the session's full handshake proved holds for this one: the
         * name, and the pins (the mark was made for this very set). */
        c->resumed_ok = 1;
        snprintf(c->host, sizeof c->host, "%s", name);
        c->host_is_ip = is_ip;
        c->pins_ok = c->settings.pins != NULL;
        return;
    }
    if (!c->audit)
        tg_ossl_drop_session(o, ssl);
}

/* Handshake start (info callback, every road): floor, suites, verification,
 * the session; before a single byte of the ClientHello exists. */
void tg_enforce_start(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    struct tg_peer p;
    c->is_server = tg_ossl_is_server(o, ssl);
    c->started = 1;
    c->chain_ok = c->pins_ok = c->pins_expired = 0;
    c->anchors_file = c->anchors_dir = NULL;
    if (!c->blocked) { /* a renegotiation is judged, and logged, anew */
        c->reason = TG_R_NONE;
        c->detail[0] = '\0';
        c->logged = 0;
    }
    tg_peer_early_name(o, ssl, &p); /* the program's host name or SNI: no system call */
    if (!tg_enforce_policy(o, ssl, c, c->is_server ? NULL : p.name) && !c->blocked)
        tg_block(o, ssl, c); /* fails in the certificate check, or at the end */
    if (!c->audit)
        apply_floor(o, ssl, c, c->settings.min_protocol);
    if (!c->audit && !apply_cipher_floor(o, ssl, c) && !c->blocked) {
        tg_block_reason(c, TG_R_INTERNAL, "cannot remove weak cipher suites");
        tg_block(o, ssl, c);
    }
    if (c->is_server)
        return;
    apply_verify(o, ssl, c);
    check_session(o, ssl, c, p.name, p.source == TG_NAME_IP);
}

/* Each step: verification stays on, whatever the program did between two
 * non-blocking calls; a verified connection's new session tickets
 * (TLS 1.3 sends them after the handshake) inherit its verdict. */
void tg_enforce_step(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    if (c->is_server || !c->started)
        return;
    if (c->established) {
        SSL_SESSION *s = o->SSL_get_session(ssl);
        if ((c->chain_ok || c->resumed_ok) && c->host[0] && s && !tg_session_is_marked(o, s))
            tg_session_mark(o, s, c->pins_ok ? c->settings.pins : NULL, c->host, c->host_is_ip);
        return;
    }
    if (!c->audit && !(o->SSL_get_verify_mode(ssl) & TG_VERIFY_PEER))
        o->SSL_set_verify(ssl, o->SSL_get_verify_mode(ssl) | TG_VERIFY_PEER, tg_verify_cb);
}

/* SSL_CIPHERs are static table entries: the last one found strong is
 * remembered, connections mostly agree on one. */
static int negotiated_weak(const struct tg_ossl *o, const SSL_CIPHER *ciph)
{
    static const SSL_CIPHER *last_strong;
    if (!ciph || ciph == __atomic_load_n(&last_strong, __ATOMIC_RELAXED))
        return 0;
    if (tg_cipher_is_weak(o->SSL_CIPHER_get_name(ciph)))
        return 1;
    __atomic_store_n(&last_strong, ciph, __ATOMIC_RELAXED);
    return 0;
}

/* The protocol and suite the peer chose: checked as soon as they are
 * known (the certificate check) and again at the end. */
int tg_enforce_negotiated(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    int version = o->SSL_version(ssl);
    /* DTLS versions count down from 0xfeff and are not judged here. */
    if (version < c->settings.min_protocol && version < 0xfe00) {
        tg_block_reason(c, TG_R_PROTOCOL, "protocol below %s refused: negotiated %s",
                        c->settings.min_protocol >= TG_TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2",
                        o->SSL_get_version(ssl));
        return 0;
    }
    const SSL_CIPHER *ciph = o->SSL_get_current_cipher(ssl);
    if (negotiated_weak(o, ciph)) {
        tg_block_reason(c, TG_R_CIPHER, "weak cipher suite negotiated: %s", o->SSL_CIPHER_get_name(ciph));
        return 0;
    }
    return 1;
}

/* The handshake finished: does the result meet the policy? */
static int judge(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    if (!tg_enforce_negotiated(o, ssl, c))
        return 0;
    if (c->is_server)
        return 1;
    long vr = o->SSL_get_verify_result(ssl);
    if (vr != TG_X509_V_OK && !c->audit) { /* audit: our own check took the notes */
        tg_block_reason(c, TG_R_CERT, "certificate verification failed: %s",
                        o->X509_verify_cert_error_string(vr));
        return 0;
    }
    if (tg_ossl_session_reused(o, ssl)) {
        if (c->resumed_ok)
            return 1;
        tg_block_reason(c, TG_R_UNVERIFIED, "resumed a session that was never verified for this name");
        return 0;
    }
    if (!c->chain_ok) {
        tg_block_reason(c, TG_R_UNVERIFIED, "handshake completed without certificate verification");
        return 0;
    }
    return 1;
}

/* Refuse every further byte on every road: libssl itself then fails
 * writes (protocol is shutdown) and reads (end of data). */
static void shut(const struct tg_ossl *o, SSL *ssl)
{
    o->SSL_set_shutdown(ssl, 1 | 2); /* SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN */
}

/* Handshake done (info callback, every road, before the program's own
 * callback and before any application byte). */
void tg_enforce_done(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    if (c->blocked) {
        shut(o, ssl);
        return;
    }
    if (judge(o, ssl, c) && c->reason == TG_R_NONE) {
        c->established = 1;
        if (!c->is_server && (c->chain_ok || c->resumed_ok) && c->host[0])
            tg_session_mark(o, o->SSL_get_session(ssl), c->pins_ok ? c->settings.pins : NULL,
                            c->host, c->host_is_ip);
        tg_block_allow(o, ssl, c);
        return;
    }
    if (c->audit) {
        c->established = 1;
        tg_block_audit(o, ssl, c);
        return;
    }
    tg_block(o, ssl, c);
    shut(o, ssl);
}

/* Did the handshake fail because of the floor? The last SSL error says;
 * only when the floor changed what the program asked for. */
static enum tg_reason floor_failure(const struct tg_ossl *o, const struct tg_conn *c)
{
    unsigned long e = o->ERR_peek_last_error();
    if (!e || tg_ossl_err_lib(o, e) != TG_ERR_LIB_SSL)
        return TG_R_NONE;
    switch (tg_ossl_err_reason(o, e)) {
    case TG_SSL_R_NO_CIPHERS_AVAILABLE:
    case TG_SSL_R_NO_SHARED_CIPHER:
    case TG_SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        return c->weak_dropped ? TG_R_CIPHER : TG_R_NONE;
    case TG_SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        /* Before 1.1.1 TLS 1.2 is the most a client offers: a peer that
         * refuses it wants something newer, not something older. */
        if (o->major == 1 && o->minor == 0)
            return TG_R_NONE;
        /* fall through */
    case TG_SSL_R_NO_PROTOCOLS_AVAILABLE:
    case TG_SSL_R_UNKNOWN_PROTOCOL:
    case TG_SSL_R_UNSUPPORTED_PROTOCOL:
    case TG_SSL_R_WRONG_VERSION_NUMBER:
    case TG_SSL_R_VERSION_TOO_LOW:
        return c->floor_raised ? TG_R_PROTOCOL : TG_R_NONE;
    default:
        return TG_R_NONE;
    }
}

/* After a handshake step failed: a peer below the floor is a block. */
static void after_failure(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    enum tg_reason floor = c->reason == TG_R_NONE ? floor_failure(o, c) : TG_R_NONE;
    if (floor != TG_R_NONE) {
        const char *why = o->ERR_reason_error_string(o->ERR_peek_last_error());
        const char *v = c->settings.min_protocol >= TG_TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2";
        if (floor == TG_R_PROTOCOL)
            tg_block_reason(c, floor, "protocol below %s refused: peer cannot do %s or later (%s)",
                            v, v, why ? why : "protocol version");
        else
            tg_block_reason(c, floor, "weak cipher suites refused: no strong suite in common (%s)",
                            why ? why : "handshake failure");
    }
    if (c->reason == TG_R_NONE)
        return;
    if (c->audit)
        tg_block_audit(o, ssl, c);
    else
        tg_block(o, ssl, c); /* logged once; the error goes last on the queue */
}

/* Where no hook sees the return (an SSL BIO on a -Bsymbolic 1.0.x libssl)
 * the failure is judged here, and a block's error goes first and last
 * again, around OpenSSL's own; the hook, if any, does the same later. A
 * call that only would block (non-blocking I/O) is no failure. */
void tg_enforce_exit(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    if (o->SSL_want(ssl) != TG_SSL_NOTHING)
        return;
    if (c->blocked)
        tg_block_refuse(o, ssl, c);
    else
        after_failure(o, ssl, c);
}

int tg_handshake(const struct tg_ossl *o, SSL *ssl, enum tg_entry entry)
{
    struct tg_conn *c = tg_conn_get(o, ssl, 1);
    const char *err = NULL;
    int ret = -1;
    if (!c) {
        tg_block_internal(o, ssl, "out of memory");
        return -1;
    }
    if (c->blocked) {
        tg_block_refuse(o, ssl, c);
        return -1;
    }
    tg_callbacks_ssl_setup(o, ssl);
    int server = entry == TG_ENTRY_ACCEPT    ? 1
                 : entry == TG_ENTRY_CONNECT ? 0
                                             : tg_ossl_is_server(o, ssl);
    if (!server && !tg_settings_policy(&err)) { /* not even a ClientHello */
        c->is_server = 0;
        tg_enforce_policy(o, ssl, c, NULL);
        tg_block(o, ssl, c);
        return -1;
    }
    switch (entry) {
    case TG_ENTRY_CONNECT:
        TG_GUARDED(ssl, ret = o->SSL_connect(ssl));
        break;
    case TG_ENTRY_ACCEPT:
        TG_GUARDED(ssl, ret = o->SSL_accept(ssl));
        break;
    case TG_ENTRY_HANDSHAKE:
        TG_GUARDED(ssl, ret = o->SSL_do_handshake(ssl));
        break;
    }
    if (ret == 1 && !c->blocked)
        return 1;
    if (ret == 1) { /* judged at handshake-done: refused there */
        tg_block_refuse(o, ssl, c);
        return -1;
    }
    after_failure(o, ssl, c);
    return ret;
}

int tg_io_gate(const struct tg_ossl *o, SSL *ssl)
{
    struct tg_conn *c = tg_conn_get(o, ssl, 0);
    if (c && c->established && !c->blocked)
        return 1;
    if (c && c->blocked) {
        tg_block_refuse(o, ssl, c);
        return -1;
    }
    if (tg_ossl_handshake_done(o, ssl) && !(c && c->started)) {
        /* Finished where none of our callbacks ran (a context we never
         * set up): nothing vouches for the peer. */
        c = c ? c : tg_conn_get(o, ssl, 1);
        if (!c) {
            tg_block_internal(o, ssl, "out of memory");
            return -1;
        }
        tg_block_reason(c, TG_R_UNVERIFIED, "handshake completed without the shim's checks");
        tg_block(o, ssl, c);
        shut(o, ssl);
        return -1;
    }
    if (tg_ossl_handshake_done(o, ssl))
        return 1; /* audit, or a server */
    /* An implicit handshake: drive it here so the verdict is known before
     * the real call sends or returns any application data. */
    return tg_handshake(o, ssl, TG_ENTRY_HANDSHAKE);
}

void tg_io_failed(const struct tg_ossl *o, SSL *ssl)
{
    struct tg_conn *c = tg_conn_get(o, ssl, 0);
    if (c && c->blocked)
        tg_block_refuse(o, ssl, c);
}
