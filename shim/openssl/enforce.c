/*
 * enforce.c — prepare a connection before its handshake, judge it after.
 */
#include "enforce.h"
#include "block.h"
#include "callbacks.h"
#include "cipher.h"
#include "conn.h"
#include "guard.h"
#include "ossl_backend.h"
#include "peer.h"
#include "sessions.h"
#include "settings.h"
#include "sock_shut.h"
#include "verify.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
        f += ((uint64_t)(uintptr_t)(data ? data[i] : tg_ossl_sk_value(o, sk, i)) + 1) *
             0xC2B2AE3D27D4EB4FULL;
    return f ? f : 1;
}

/* The suites of `sk` but the weak ones and TLS 1.3's (set apart) for
 * SSL_set_cipher_list; 0 on failure. */
static int set_strong_only(const struct tg_ossl *o, SSL *ssl, OPENSSL_STACK *sk, int n)
{
    char list[8192];
    size_t used = 0;
    int usable = 0;
    list[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = o->SSL_CIPHER_get_name(tg_ossl_sk_value(o, sk, i));
        if (tg_cipher_is_weak(name) || !strncmp(name, "TLS_", 4))
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
    return o->SSL_set_cipher_list(ssl, usable ? list : TG_CIPHER_FALLBACK) == 1 ||
           o->SSL_set_cipher_list(ssl, TG_CIPHER_FALLBACK) == 1;
}

/* Drop weak suites from the connection's list; 0 on failure. A context's
 * list found strong once is not scanned by name again (it would cost more
 * than a resumed handshake's own work in the shim); a strong list (the
 * usual case) is only scanned, the new list built only when one is weak. */
static int apply_cipher_floor(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    OPENSSL_STACK *sk = o->SSL_get_ciphers(ssl);
    int n = tg_ossl_sk_num(o, sk), weak = 0;
    struct tg_ctx *t = tg_ctx_get(o, o->SSL_get_SSL_CTX(ssl), 1);
    uint64_t f = fingerprint(o, sk, n);
    if (t && __atomic_load_n(&t->strong_ciphers, __ATOMIC_RELAXED) == f)
        return 1;
    void *const *data = tg_ossl_sk_data(o, sk, n);
    for (int i = 0; i < n && !weak; i++)
        weak =
            tg_cipher_is_weak(o->SSL_CIPHER_get_name(data ? data[i] : tg_ossl_sk_value(o, sk, i)));
    if (!weak) {
        if (t)
            __atomic_store_n(&t->strong_ciphers, f, __ATOMIC_RELAXED);
        return 1;
    }
    c->weak_dropped = 1;
    return set_strong_only(o, ssl, sk, n);
}

/* Verification on, our callback in line, for the handshake about to run. */
static void apply_verify(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    int mode = o->SSL_get_verify_mode(ssl);
    if (!c->prog_mode_known) { /* first sight: what the program asked for */
        c->prog_verify_mode = mode;
        c->prog_mode_known = 1;
    }
    int want = c->rules.audit ? mode : mode | TG_VERIFY_PEER;
    if (mode != want || o->SSL_get_verify_callback(ssl) != tg_verify_cb)
        o->SSL_set_verify(ssl, want, tg_verify_cb);
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
    if (!c->v.blocked && name[0] && tg_session_vouches(o, s, name, is_ip, c->rules.settings.pins)) {
        /* What the session's full handshake proved holds for this one: the
         * name, and the pins (the mark was made for this very set). */
        c->resumed_ok = 1;
        snprintf(c->v.host, sizeof c->v.host, "%s", name);
        c->v.host_is_ip = is_ip;
        c->v.pins_ok = c->rules.settings.pins != NULL;
        return;
    }
    if (!c->rules.audit)
        tg_ossl_drop_session(o, ssl);
}

/* Handshake start (info callback, every road): floor, suites, verification,
 * the session; before a single byte of the ClientHello exists. */
void tg_enforce_start(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    struct tg_name n = { .source = TG_NAME_NONE, .name = "" };
    c->is_server = tg_ossl_is_server(o, ssl);
    c->started = 1;
    c->chain_ok = 0;
    c->anchors_file = c->anchors_dir = NULL;
    tg_verdict_restart(&c->v); /* a renegotiation is judged, and logged, anew */
    if (!c->is_server)         /* the program's host name or SNI: no system call */
        tg_peer_name(&tg_openssl_backend, TG_BC(o, ssl), NULL, 1, &n);
    if (!tg_rules_apply(&c->rules, &c->v, !c->is_server, c->is_server ? NULL : n.name) &&
        !c->v.blocked)
        tg_block(o, ssl, c); /* fails in the certificate check, or at the end */
    if (!c->rules.audit)
        apply_floor(o, ssl, c, c->rules.settings.min_protocol);
    if (!c->rules.audit && !apply_cipher_floor(o, ssl, c) && !c->v.blocked) {
        tg_verdict_note(&c->v, TG_R_INTERNAL, "cannot remove weak cipher suites");
        tg_block(o, ssl, c);
    }
    if (c->is_server)
        return;
    apply_verify(o, ssl, c);
    check_session(o, ssl, c, n.name, n.source == TG_NAME_IP);
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
        if ((c->chain_ok || c->resumed_ok) && c->v.host[0] && s && !tg_session_is_marked(o, s))
            tg_session_mark(o, s, c->v.pins_ok ? c->rules.settings.pins : NULL, c->v.host,
                            c->v.host_is_ip);
        return;
    }
    if (!c->rules.audit && !(o->SSL_get_verify_mode(ssl) & TG_VERIFY_PEER))
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

void tg_enforce_negotiated_facts(const struct tg_ossl *o, SSL *ssl, struct tg_facts *f)
{
    const SSL_CIPHER *ciph = o->SSL_get_current_cipher(ssl);
    f->negotiated = 1;
    f->version = o->SSL_version(ssl);
    f->version_is_dtls = f->version >= 0xfe00; /* DTLS versions count down from 0xfeff */
    f->version_name = f->version < TG_TLS1_3_VERSION ? o->SSL_get_version(ssl)
                                                     : NULL; /* named only below a floor */
    f->suite_weak = negotiated_weak(o, ciph);
    f->suite = f->suite_weak ? o->SSL_CIPHER_get_name(ciph) : NULL;
}

/* The handshake finished: does the result meet the policy? */
static int judge(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    struct tg_facts f = { .is_server = c->is_server, .finished = 1 };
    tg_enforce_negotiated_facts(o, ssl, &f);
    if (!c->is_server) {
        long vr = o->SSL_get_verify_result(ssl);
        f.library_verify = vr == TG_X509_V_OK ? TG_FACT_PASS : TG_FACT_FAIL;
        f.library_why = vr == TG_X509_V_OK ? NULL : o->X509_verify_cert_error_string(vr);
        f.resumed = tg_ossl_session_reused(o, ssl);
        f.resumed_vouched = c->resumed_ok;
        f.chain_checked = c->chain_ok;
    }
    return tg_decide(&f, &c->rules, &c->v);
}

/* Refuse every further byte on every road: libssl itself then fails
 * writes (protocol is shutdown) and reads (end of data). */
static void shut(const struct tg_ossl *o, SSL *ssl)
{
    o->SSL_set_shutdown(ssl, 1 | 2); /* SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN */
}

/* A blocked connection's descriptors, once libssl has nothing more to send
 * in this call (its alert is out: a socket shut earlier would have raised
 * SIGPIPE inside libssl, and lost the alert): shut both ways beneath libssl
 * (sock_shut.h), for the program that ignores the failure and writes to
 * the descriptor itself. Not while bytes wait to be written (a
 * non-blocking socket was full): the call that flushes them shuts it. A
 * refused read leaves SSL_want at reading (3.0: an end of data), so only
 * writing counts. A memory BIO or BIO pair has no descriptor (-1): libssl
 * alone refuses its records there. SSL_get_fd/SSL_get_wfd: all versions
 * (the first descriptor BIO of the read and the write chain). */
void tg_enforce_shut_transport(const struct tg_ossl *o, SSL *ssl, const struct tg_conn *c)
{
    if (!c->v.blocked || o->SSL_want(ssl) == TG_SSL_WRITING)
        return;
    int rfd = o->SSL_get_fd(ssl), wfd = o->SSL_get_wfd(ssl);
    tg_sock_shut(rfd);
    if (wfd != rfd)
        tg_sock_shut(wfd);
}

/* Handshake done (info callback, every road, before the program's own
 * callback and before any application byte). */
void tg_enforce_done(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    if (c->v.blocked) {
        shut(o, ssl);
        return;
    }
    judge(o, ssl, c);
    switch (tg_verdict_action(&c->v, &c->rules)) {
    case TG_ACTION_ALLOW:
        c->established = 1;
        if (!c->is_server && (c->chain_ok || c->resumed_ok) && c->v.host[0])
            tg_session_mark(o, o->SSL_get_session(ssl),
                            c->v.pins_ok ? c->rules.settings.pins : NULL, c->v.host,
                            c->v.host_is_ip);
        tg_block_allow(o, ssl, c);
        return;
    case TG_ACTION_AUDIT:
        c->established = 1;
        tg_block_audit(o, ssl, c);
        return;
    case TG_ACTION_BLOCK:
        tg_block(o, ssl, c);
        shut(o, ssl);
        return;
    }
}

/* Did the handshake fail because of the floor? The last SSL error says;
 * only when the floor changed what the program asked for. */
static enum tg_failure floor_failure(const struct tg_ossl *o, const struct tg_conn *c)
{
    unsigned long e = o->ERR_peek_last_error();
    if (!e || tg_ossl_err_lib(o, e) != TG_ERR_LIB_SSL)
        return TG_FAILURE_NONE;
    switch (tg_ossl_err_reason(o, e)) {
    case TG_SSL_R_NO_CIPHERS_AVAILABLE:
    case TG_SSL_R_NO_SHARED_CIPHER:
    case TG_SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        return c->weak_dropped ? TG_FAILURE_NO_STRONG_SUITE : TG_FAILURE_NONE;
    case TG_SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        /* Before 1.1.1 TLS 1.2 is the most a client offers: a peer that
         * refuses it wants something newer, not something older. */
        if (o->major == 1 && o->minor == 0)
            return TG_FAILURE_NONE;
        /* fall through */
    case TG_SSL_R_NO_PROTOCOLS_AVAILABLE:
    case TG_SSL_R_UNKNOWN_PROTOCOL:
    case TG_SSL_R_UNSUPPORTED_PROTOCOL:
    case TG_SSL_R_WRONG_VERSION_NUMBER:
    case TG_SSL_R_VERSION_TOO_LOW:
        return c->floor_raised ? TG_FAILURE_BELOW_FLOOR : TG_FAILURE_NONE;
    default:
        return TG_FAILURE_NONE;
    }
}

/* The highest version the failed handshake offered: the max ctrl (0: the
 * library's own, TLS 1.3 from 1.1.1), less what options turned off; TLS
 * 1.2 before 1.1.0g (no ctrl to ask). */
static int offered_max(const struct tg_ossl *o, SSL *ssl)
{
    if (!tg_ossl_has_proto_ctrl(o))
        return TG_TLS1_2_VERSION;
    long max = o->SSL_ctrl(ssl, TG_CTRL_GET_MAX_PROTO_VERSION, 0, NULL);
    int top = o->version >= 0x10101000UL ? TG_TLS1_3_VERSION : TG_TLS1_2_VERSION;
    unsigned long ops = tg_ossl_get_options(o, ssl);
    if (max <= 0 || max > top)
        max = top;
    if (max == TG_TLS1_3_VERSION && (ops & TG_OP_NO_TLSv1_3))
        max = TG_TLS1_2_VERSION;
    return (int)max;
}

/* After a handshake step failed: a peer below the floor is a block. */
static void after_failure(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    if (c->v.reason == TG_R_NONE) {
        struct tg_facts f = { .is_server = c->is_server, .failure = floor_failure(o, c) };
        if (f.failure != TG_FAILURE_NONE) {
            f.failure_why = o->ERR_reason_error_string(o->ERR_peek_last_error());
            f.offered_max = f.failure == TG_FAILURE_BELOW_FLOOR ? offered_max(o, ssl) : 0;
            tg_decide(&f, &c->rules, &c->v);
        }
    }
    switch (tg_verdict_action(&c->v, &c->rules)) {
    case TG_ACTION_ALLOW:
        return;
    case TG_ACTION_AUDIT:
        tg_block_audit(o, ssl, c);
        return;
    case TG_ACTION_BLOCK:
        tg_block(o, ssl, c); /* logged once; the error goes last on the queue */
        return;
    }
}

/* Where no hook sees the return (an SSL BIO on a -Bsymbolic 1.0.x libssl)
 * the failure is judged here, and a block's error goes first and last
 * again, around OpenSSL's own; the hook, if any, does the same later. A
 * call that only would block (non-blocking I/O) is no failure. */
void tg_enforce_exit(const struct tg_ossl *o, SSL *ssl, struct tg_conn *c)
{
    if (o->SSL_want(ssl) != TG_SSL_NOTHING)
        return;
    if (c->v.blocked)
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
    if (c->v.blocked) {
        tg_block_refuse(o, ssl, c);
        return -1;
    }
    tg_callbacks_ssl_setup(o, ssl);
    int server = entry == TG_ENTRY_ACCEPT    ? 1
                 : entry == TG_ENTRY_CONNECT ? 0
                                             : tg_ossl_is_server(o, ssl);
    if (!server && !tg_settings_policy(&err)) { /* not even a ClientHello */
        c->is_server = 0;
        tg_rules_apply(&c->rules, &c->v, 1, NULL);
        tg_block(o, ssl, c);
        tg_enforce_shut_transport(o, ssl, c);
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
    if (ret == 1 && !c->v.blocked)
        return 1;
    if (ret == 1) { /* judged at handshake-done: refused there */
        tg_block_refuse(o, ssl, c);
        tg_enforce_shut_transport(o, ssl, c); /* as the exit callback did */
        return -1;
    }
    after_failure(o, ssl, c);
    tg_enforce_shut_transport(o, ssl, c);
    return ret;
}

int tg_io_gate(const struct tg_ossl *o, SSL *ssl)
{
    struct tg_conn *c = tg_conn_get(o, ssl, 0);
    if (c && c->established && !c->v.blocked)
        return 1;
    if (c && c->v.blocked) {
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
        struct tg_facts f = { .finished = 1, .unseen = 1 };
        tg_decide(&f, &c->rules, &c->v);
        tg_block(o, ssl, c);
        shut(o, ssl);
        tg_enforce_shut_transport(o, ssl, c);
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
    if (c && c->v.blocked)
        tg_block_refuse(o, ssl, c);
}
