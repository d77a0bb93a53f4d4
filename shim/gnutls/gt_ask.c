/*
 * gt_ask.c — the program's gnutls_certificate_verify_peers, asked by the
 * shim first and answered from that.
 *
 * Why the answer is libgnutls's own (read against GnuTLS 3.7.9's
 * lib/cert-session.c _gnutls_x509_cert_verify_peers). The call's result
 * and status come from: the session's peer certificates (the same list
 * as the shim asked about, compared: a verify function left by longjmp
 * leaves the answer standing, a new handshake or session does not get
 * it); its certificate
 * credentials (the same object, compared), their trust list (the trust
 * generation), verify flags and limits (their setters move the generation
 * on); the session's additional verify flags (gnutls_session_set_verify_
 * cert*, gnutls_priority_set*: their hooks forget the answer, on any
 * thread, through the record's epoch), its verify output function (the
 * same); the stapled OCSP answers (the shim asks only
 * where there are none: then only a must-staple leaf, time-free, adds a
 * status bit); the typed data (equal entry by entry: type and string); and
 * the inner gnutls_x509_trust_list_verify_crt2, whose "trusted" the chain
 * memo gave (gt_memo.c) for any time in [t0, until). An answer is kept
 * only when that memo gave the inner "trusted", and the call returned 0
 * with status 0; it is used only by the same thread, while the program's
 * verify function runs (a nested handshake's question clears it), at a
 * time in that window, with the generation unchanged and the memo still
 * on. Where the memo could not answer the inner call, the
 * shim's question ends there (the hook refuses it) rather than verify the
 * chain twice: the program's own question then goes to libgnutls.
 * Not the same as without the shim: the shim's question resets the
 * session's ocsp_check_ok (no stapled answer: GnuTLS would say 0 after
 * the program's own question too), and GnuTLS's debug log shows its calls.
 */
#include "gt_ask.h"
#include "gt_memo.h"
#include "gt_records.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum shape {
    NAME_PURPOSE,
    NAME_ONLY,
    NO_DATA
};

static int shape; /* process-wide: the form the program asked last */

static __thread struct {
    tg_gt_session session; /* the session being verified; NULL: none */
    void *cred;
    const tg_gt_datum *peers; /* its peer certificates then (a new handshake: others) */
    unsigned npeers;
    unsigned epoch; /* the record's ask_epoch then: a setter on any thread moves it */
    unsigned long gen;
    long long t0, until; /* [t0, until): the chain memo's window as it answered */
    long long peers_end; /* for the window beyond that second (gt_memo.h) */
    tg_gt_vdata d[2];
    unsigned n;
    char host[256];
    unsigned probing : 1, hit : 1, valid : 1;
    unsigned in_prog : 1; /* the program's verify function runs (tg_gt_ask_prog) */
} ask;

unsigned tg_gt_ask_data(const char *host, tg_gt_vdata d[2])
{
    int form = __atomic_load_n(&shape, __ATOMIC_RELAXED);
    d[0] = (tg_gt_vdata){ TG_GT_DT_DNS_HOSTNAME, (unsigned char *)host, 0 };
    d[1] = (tg_gt_vdata){ TG_GT_DT_KEY_PURPOSE_OID, (unsigned char *)TG_GT_KP_TLS_WWW_SERVER, 0 };
    return form == NO_DATA ? 0 : form == NAME_ONLY ? 1 : 2;
}

int tg_gt_ask_may(const struct tg_gtls *g, const struct tg_gt_rec *r)
{
    tg_gt_datum resp;
    unsigned n = 0;
    if (!tg_gt_memo_on() || !g->gnutls_certificate_get_peers(r->session, &n) || !n)
        return 0;
    if (g->gnutls_ocsp_status_request_get2) {
        for (unsigned i = 0; i < n; i++)
            if (g->gnutls_ocsp_status_request_get2(r->session, i, &resp) == 0)
                return 0;
        return 1;
    }
    return g->gnutls_ocsp_status_request_get &&
           g->gnutls_ocsp_status_request_get(r->session, &resp) != 0;
}

void tg_gt_ask_begin(const struct tg_gtls *g, struct tg_gt_rec *r, const tg_gt_vdata *d, unsigned n)
{
    void *cred = NULL;
    memset(&ask, 0, sizeof ask);
    if (g->gnutls_credentials_get(r->session, TG_GT_CRD_CERTIFICATE, &cred) != 0 || !cred)
        return;
    ask.session = r->session;
    ask.epoch = __atomic_load_n(&r->ask_epoch, __ATOMIC_SEQ_CST);
    ask.cred = cred;
    ask.peers = g->gnutls_certificate_get_peers(r->session, &ask.npeers);
    ask.gen = tg_gt_memo_gen();
    ask.n = n;
    for (unsigned i = 0; i < n; i++)
        ask.d[i] = d[i];
    if (n && d[0].data) { /* the data's name, kept with it */
        snprintf(ask.host, sizeof ask.host, "%s", (const char *)d[0].data);
        ask.d[0].data = (unsigned char *)ask.host;
    }
    ask.probing = 1;
}

int tg_gt_ask_probing(void)
{
    return ask.probing;
}

void tg_gt_ask_memo_hit(const struct tg_gtls *g, const struct tg_gt_memo *m, tg_gt_crt *certs,
                        unsigned n, long long until)
{
    if (!ask.probing)
        return;
    ask.hit = 1;
    ask.t0 = m->t0;
    ask.until = until;
    ask.peers_end = tg_gt_memo_peers_end(g, m, certs, n);
}

void tg_gt_ask_end(const struct tg_gt_rec *r, int ret, unsigned status)
{
    ask.probing = 0;
    ask.valid = ask.session && ask.hit && ret == 0 && status == 0 && r->memo.valid &&
                ask.gen == tg_gt_memo_gen();
}

void tg_gt_ask_prog(void)
{
    ask.in_prog = 1;
}

void tg_gt_ask_clear(void)
{
    memset(&ask, 0, sizeof ask);
}

void tg_gt_ask_forget(tg_gt_session s)
{
    struct tg_gt_rec *r = s ? tg_gt_rec_get(s, 0) : NULL;
    if (r)
        __atomic_add_fetch(&r->ask_epoch, 1, __ATOMIC_SEQ_CST);
    if (s == ask.session) /* this thread's, even once the record is gone */
        ask.valid = 0;
}

/* The session's peers are those the shim's question was about: not a new
 * handshake, nor a new session at a freed one's address (a verify function
 * left by longjmp never reached tg_gt_ask_clear). */
static int same_peers(const struct tg_gtls *g, tg_gt_session s)
{
    unsigned n = 0;
    const tg_gt_datum *p = g->gnutls_certificate_get_peers(s, &n);
    return p && p == ask.peers && n == ask.npeers;
}

static int same_data(const tg_gt_vdata *d, unsigned n)
{
    if (n != ask.n || (n && !d))
        return 0;
    for (unsigned i = 0; i < n; i++) {
        const char *a = (const char *)d[i].data, *b = (const char *)ask.d[i].data;
        if (d[i].type != ask.d[i].type || !a != !b || (a && strcmp(a, b)))
            return 0;
    }
    return 1;
}

/* The program's form, for the shim's next question. */
static void learn(const tg_gt_vdata *d, unsigned n)
{
    int form = -1;
    const char *name =
        n && d && d[0].type == TG_GT_DT_DNS_HOSTNAME ? (const char *)d[0].data : NULL;
    if (n == 0)
        form = NO_DATA;
    else if (!name || strcmp(name, ask.host))
        return;
    else if (n == 1)
        form = NAME_ONLY;
    else if (n == 2 && d[1].type == TG_GT_DT_KEY_PURPOSE_OID && d[1].data &&
             !strcmp((const char *)d[1].data, TG_GT_KP_TLS_WWW_SERVER))
        form = NAME_PURPOSE;
    if (form >= 0)
        __atomic_store_n(&shape, form, __ATOMIC_RELAXED);
}

/* Now in the window: the second the memo answered in, else (a second
 * boundary passed since) the window of the memo's certificates, as the
 * chain memo itself would find it now. */
static int in_window(const struct tg_gtls *g, const struct tg_gt_rec *r)
{
    long long now = (long long)time(NULL);
    if (now < ask.t0)
        return 0;
    if (now < ask.until)
        return 1;
    if (ask.until != ask.t0 + 1 || !r->memo.valid)
        return 0;
    ask.until = tg_gt_memo_window_end(g, &r->memo, ask.peers_end);
    return now < ask.until;
}

int tg_gt_ask_answer(const struct tg_gtls *g, tg_gt_session s, const tg_gt_vdata *d, unsigned n,
                     unsigned *status)
{
    void *cred = NULL;
    struct tg_gt_rec *r;
    if (!s || s != ask.session || ask.probing || !ask.in_prog)
        return 0;
    learn(d, n);
    if (!ask.valid || !status || !same_data(d, n) || !same_peers(g, s) ||
        !(r = tg_gt_rec_get(s, 0)) ||
        __atomic_load_n(&r->ask_epoch, __ATOMIC_SEQ_CST) != ask.epoch || !in_window(g, r) ||
        ask.gen != tg_gt_memo_gen() || !tg_gt_memo_on() ||
        g->gnutls_credentials_get(s, TG_GT_CRD_CERTIFICATE, &cred) != 0 || cred != ask.cred)
        return 0;
    *status = 0;
    return 1;
}
