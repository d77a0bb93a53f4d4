/*
 * hook_nss_socket.c — NSS sockets as the program makes and hooks them.
 * Every imported socket (SSL_ImportFD, DTLS_ImportFD) gets the shim's
 * auth-certificate, bad-certificate and handshake hooks, no session cache
 * (a resumed handshake would skip the certificate check), the floor, and
 * the guard layer under it; the
 * program's own hooks are remembered and run after the shim's, which they
 * can make stricter but never looser.
 */
#include "init.h"
#include "nss_floor.h"
#include "nss_guard.h"
#include "nss_verify.h"
#include "nss_errtext.h"

#include <stddef.h>

static tg_nss_status shim_auth(void *arg, tg_pr_fd *fd, tg_nss_bool check_sig,
                               tg_nss_bool is_server);
static tg_nss_status shim_bad(void *arg, tg_pr_fd *fd);
static void shim_handshake(tg_pr_fd *fd, void *arg);

/* The floor for a socket: its rules' once looked up, else the global ones. */
static uint16_t floor_for(struct tg_nss_rec *r)
{
    struct tg_rules ru = { 0 };
    struct tg_verdict v = { 0 };
    if (r && r->rules.applied)
        return tg_nss_floor_of(r->rules.settings.min_protocol);
    tg_rules_apply(&ru, &v, 1, NULL);
    return tg_nss_floor_of(ru.applied ? ru.settings.min_protocol : TG_TLS1_2);
}

uint16_t tg_nss_hook_floor(tg_pr_fd *fd)
{
    return floor_for(fd ? tg_nss_rec_get(fd, 0) : NULL);
}

/* The program's hooks on `model` are now those of `r`'s socket, as NSS
 * copies them: all at SSL_ImportFD; at SSL_ReconfigFD (`reconfig`) the
 * auth-certificate hook always (NSS's own check is a hook there too), the
 * others only where the model has one. */
static void take_model_hooks(struct tg_nss_rec *r, tg_pr_fd *model, int reconfig)
{
    struct tg_nss_rec *m = model ? tg_nss_rec_get(model, 0) : NULL;
    if (!m || (!reconfig && (r->prog.auth || r->prog.bad || r->prog.hs)))
        return;
    if (!reconfig) {
        r->prog = m->prog;
        return;
    }
    r->prog.auth = m->prog.auth;
    r->prog.auth_arg = m->prog.auth_arg;
    if (m->prog.bad) {
        r->prog.bad = m->prog.bad;
        r->prog.bad_arg = m->prog.bad_arg;
    }
    if (m->prog.hs) {
        r->prog.hs = m->prog.hs;
        r->prog.hs_arg = m->prog.hs_arg;
    }
}

/* The shim's hooks, no session cache, the floor, no weak suite; 0 when
 * all took. */
static int arm(const struct tg_nss *n, tg_pr_fd *out)
{
    int rc = n->SSL_AuthCertificateHook(out, shim_auth, NULL) ||
             n->SSL_BadCertHook(out, shim_bad, NULL) ||
             n->SSL_HandshakeCallback(out, shim_handshake, NULL) ||
             n->SSL_OptionSet(out, TG_NSS_NO_CACHE, 1) ||
             tg_nss_floor_apply(n, out, floor_for(tg_nss_rec_get(out, 0)));
    tg_nss_weak_off(n, out);
    return rc;
}

/* `out`, the socket NSS just made (TLS or DTLS), armed, the guard under it. */
static tg_pr_fd *protect(const struct tg_nss *n, tg_pr_fd *model, tg_pr_fd *out)
{
    struct tg_nss_rec *r = out ? tg_nss_rec_get(out, 1) : NULL;
    if (!r) {
        if (n)
            n->PR_SetError(TG_NSS_E_LIBRARY_FAILURE, 0);
        return NULL;
    }
    take_model_hooks(r, model, 0);
    if (arm(n, out) || (!r->guarded && tg_nss_guard_push(n, r))) {
        r->verdict.blocked = 1; /* cannot enforce on it: it carries nothing */
        r->error = TG_NSS_E_LIBRARY_FAILURE;
    }
    return out;
}

TG_EXPORT tg_pr_fd *SSL_ImportFD(tg_pr_fd *model, tg_pr_fd *fd)
{
    tg_init();
    const struct tg_nss *n = tg_nss();
    return protect(n, model, n ? n->SSL_ImportFD(model, fd) : NULL);
}

/* NSS copies the model's settings and hooks onto a socket it already
 * made: the program's hooks are the model's now, the shim's stay. */
TG_EXPORT tg_pr_fd *SSL_ReconfigFD(tg_pr_fd *model, tg_pr_fd *fd)
{
    const struct tg_nss *n = tg_nss();
    tg_pr_fd *out = n ? n->SSL_ReconfigFD(model, fd) : NULL;
    struct tg_nss_rec *r = out ? tg_nss_rec_get(out, 0) : NULL;
    if (!r)
        return out ? protect(n, model, out) : NULL;
    take_model_hooks(r, model, 1);
    if (arm(n, out)) {
        r->verdict.blocked = 1;
        r->error = TG_NSS_E_LIBRARY_FAILURE;
    }
    return out;
}

/* DTLS sockets: the same checks (NSS keeps DTLS ranges in TLS numbers, so
 * the floor is DTLS 1.2, or 1.3 under min-protocol TLSv1.3). */
TG_EXPORT tg_pr_fd *DTLS_ImportFD(tg_pr_fd *model, tg_pr_fd *fd)
{
    tg_init();
    const struct tg_nss *n = tg_nss();
    return protect(n, model, n ? n->DTLS_ImportFD(model, fd) : NULL);
}

/* The program's hook setters: its hook is remembered (our own one, passed
 * back: none) and ours is (re)installed in its place. */
#define TG_NSS_HOOK_SETTER(setter, fn_type, hook, ours)                                            \
    TG_EXPORT tg_nss_status setter(tg_pr_fd *fd, fn_type f, void *arg)                             \
    {                                                                                              \
        const struct tg_nss *n = tg_nss();                                                         \
        struct tg_nss_rec *r = n ? tg_nss_rec_get(fd, 1) : NULL;                                   \
        if (!r)                                                                                    \
            return TG_SEC_FAILURE;                                                                 \
        r->prog.hook = f == ours ? NULL : f;                                                       \
        r->prog.hook##_arg = arg;                                                                  \
        return n->setter(fd, ours, NULL);                                                          \
    }
TG_NSS_HOOK_SETTER(SSL_AuthCertificateHook, tg_nss_auth_fn, auth, shim_auth)
TG_NSS_HOOK_SETTER(SSL_BadCertHook, tg_nss_bad_fn, bad, shim_bad)
TG_NSS_HOOK_SETTER(SSL_HandshakeCallback, tg_nss_hs_fn, hs, shim_handshake)
#undef TG_NSS_HOOK_SETTER

/* The shim's check first; the program's hook (else NSS's own check, as
 * NSS would run it) only on a pass, so it can refuse but never accept. */
static tg_nss_status shim_auth(void *arg, tg_pr_fd *fd, tg_nss_bool check_sig,
                               tg_nss_bool is_server)
{
    const struct tg_nss *n = tg_nss();
    struct tg_nss_rec *r = n ? tg_nss_rec_get(fd, 1) : NULL;
    (void)arg;
    if (!r) {
        if (n)
            n->PR_SetError(TG_NSS_E_LIBRARY_FAILURE, 0);
        return TG_SEC_FAILURE;
    }
    if (!is_server && !tg_nss_check_certificate(n, r))
        return TG_SEC_FAILURE;
    return tg_nss_auth_after_check(n, r, fd, check_sig, is_server);
}

/* NSS asks whether to go on despite a failed check: never after ours. */
static tg_nss_status shim_bad(void *arg, tg_pr_fd *fd)
{
    struct tg_nss_rec *r = tg_nss_rec_get(fd, 0);
    (void)arg;
    if (!r || r->verdict.blocked || !r->checked || !r->prog.bad)
        return TG_SEC_FAILURE;
    return r->prog.bad(r->prog.bad_arg, fd);
}

static void shim_handshake(tg_pr_fd *fd, void *arg)
{
    const struct tg_nss *n = tg_nss();
    struct tg_nss_rec *r = n ? tg_nss_rec_get(fd, 0) : NULL;
    (void)arg;
    if (!r || !tg_nss_check_end(n, r))
        return; /* blocked: the guard refuses every later byte */
    if (r->prog.hs)
        r->prog.hs(fd, r->prog.hs_arg);
}

/* The URL is THE name: the socket's rules (and floor) are those for it. */
TG_EXPORT tg_nss_status SSL_SetURL(tg_pr_fd *fd, const char *url)
{
    const struct tg_nss *n = tg_nss();
    struct tg_nss_rec *r;
    if (!n)
        return TG_SEC_FAILURE;
    tg_nss_status rv = n->SSL_SetURL(fd, url);
    if (rv == TG_SEC_SUCCESS && (r = tg_nss_rec_get(fd, 0)) != NULL &&
        tg_rules_apply(&r->rules, &r->verdict, 1, url))
        tg_nss_floor_apply(n, fd, tg_nss_floor_of(r->rules.settings.min_protocol));
    return rv;
}

static tg_nss_status after_handshake(const struct tg_nss *n, tg_pr_fd *fd, tg_nss_status rv)
{
    struct tg_nss_rec *r = NULL;
    if (rv != TG_SEC_SUCCESS && (r = tg_nss_rec_get(fd, 0)) != NULL)
        tg_nss_check_failure(n, r, n->PR_GetError());
    if (rv != TG_SEC_SUCCESS && tg_nss_errtext_held()) /* the text the program will ask for */
        tg_nss_errtext_io_failed(n, fd, r && r->verdict.blocked, n->PR_GetError());
    return rv;
}

TG_EXPORT tg_nss_status SSL_ForceHandshake(tg_pr_fd *fd)
{
    const struct tg_nss *n = tg_nss();
    return n ? after_handshake(n, fd, n->SSL_ForceHandshake(fd)) : TG_SEC_FAILURE;
}

TG_EXPORT tg_nss_status SSL_ForceHandshakeWithTimeout(tg_pr_fd *fd, uint32_t timeout)
{
    const struct tg_nss *n = tg_nss();
    return n ? after_handshake(n, fd, n->SSL_ForceHandshakeWithTimeout(fd, timeout))
             : TG_SEC_FAILURE;
}
