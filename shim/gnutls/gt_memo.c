/*
 * gt_memo.c — when the shim's chain verdict answers the program's question.
 *
 * Why the answer is GnuTLS's own (read against GnuTLS 3.7.9's
 * lib/x509/verify-high.c gnutls_x509_trust_list_verify_crt2 and
 * lib/x509/verify.c _gnutls_verify_crt_status, is_level_acceptable). The
 * shim asked Q0 = verify_crt2(L, C, {purpose TLS WWW server}, S) with S =
 * TG_GT_SHIM_VFLAGS (profile LOW, no other flag) and got 0, then
 * check_hostname2(C[0], H, 0) passed. The program asks Q1 = verify_crt2(L',
 * C', D, F, out, func). The memo answers 0 only when
 *  - L' == L, no trust list or credentials' trust changed since Q0 began
 *    (generation), so both see the same anchors, CRLs and named certs;
 *  - C' is C: the session's peer certificates, DER-equal one by one, all of
 *    them verified by Q0 (none dropped);
 *  - GnuTLS's clock is time(2) (no gnutls_global_set_time_function) and
 *    Q1 comes at a time in the memo's window (below) as all of Q0 did;
 *  - func == NULL (no verify output function to call);
 *  - F has no flag but a profile of UNKNOWN, VERY_WEAK or LOW. Outside
 *    is_level_acceptable every flag test then reads the same bits as S; and
 *    is_level_acceptable at max(LOW, system minimum) accepting implies it
 *    accepts at max(F's profile, minimum): a lower sec-param needs fewer
 *    symmetric bits and a lower pk sec-param (CASE_SEC_PARAM), UNKNOWN none;
 *  - D holds at most one name, a DNS_HOSTNAME equal (strcmp) to H or NULL,
 *    and purposes equal to TLS WWW server: a purpose check either passes,
 *    and changes nothing, or sets a status bit; so Q0's 0 means every
 *    purpose check passed and the same path without them also ends in 0.
 *    Q1's name check is check_hostname2(C'[0], H, F) on the leaf (sorting
 *    keeps C[0] first), which with F's name flags clear is the shim's own.
 *    The named-certificate shortcut only ever returns 0.
 *  - the verdict passed as a whole (gt_decide.c sets `valid`): never for a
 *    failing check in audit mode, a chain trusted only by the policy's or
 *    the system's anchors, or a resumed session (no certificate moment).
 * Anything else, even a weaker question this list does not name, goes to
 * GnuTLS.
 * Under libgnutls's auto-verify (gt_decide.c), Q0 runs inside the hook of
 * Q1 itself, on Q1's certificates (DER-equal to the session's peers), and
 * ends before Q1 is answered: every condition above reads the same.
 *
 * The window. Time enters the verification only as "now" (gnutls_time,
 * whole seconds) compared with a certificate's notBefore or notAfter
 * (gnutls_x509_crt_get_activation/expiration_time): check_time_status
 * (now < notBefore, now > notAfter) for the chain's certificates and the
 * trusted CA, find_issuer's choice among CAs of one name (now < notAfter,
 * now >= notBefore), and CRLs' own dates. Each comparison with a time T
 * flips only between T-1 and T (<, >=) or between T and T+1 (>). Let t0 be
 * time(2) before Q0 and D the least T >= t0 among the notBefore and
 * notAfter of every certificate the peer sent (Q1's C', DER-equal to C:
 * those not on the path only make D smaller) and of every CA of L
 * (gnutls_x509_trust_list_iter_get_ca: its hashed CAs and a PKCS#11
 * token's); none, D is infinite. For any now in [t0, D) and any such T:
 * T < t0 <= now, so now < T and now <= T are false, now > T and now >= T
 * true; or T >= D > now, the other way round. Every comparison reads the
 * same in the whole window, so a Q1 at time(2) in [t0, D) gets Q0's
 * answer when Q0's end t1 was in it too. The window is also the same
 * second t0 = t1 = now, whatever D. It is only that second when
 *  - some trust list may hold a CRL or a PKCS#11 token (a call that can
 *    add one ran: hook_gt_trust.c; the system trust counts, a build may
 *    add CRLs or a token to it): a CRL's dates (thisUpdate, nextUpdate)
 *    are not among the times above (3.7.9 reads them only when a CRL is
 *    added with GNUTLS_TL_VERIFY_CRL, not while verifying, but the window
 *    does not rest on that), and a token's content may change without any
 *    call the generation sees;
 *  - L holds more than TG_MEMO_MAX_CAS CAs, not iterated (bounded cost),
 *    or iterating failed.
 * Not modelled: a PKCS#11 token reached some other way (p11-kit's system
 * trust on other distributions comes through the system trust, above)
 * whose content changes within the second.
 * A chain of more than TG_MEMO_MAX_CERTS certificates is GnuTLS's to
 * verify again: the memo's own cost stays bounded.
 */
#include "gt_memo.h"
#include "gt_records.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#define TG_MEMO_MAX_CAS   8
#define TG_MEMO_MAX_CERTS 8

static unsigned long generation;
static int memo_off, window_off;
static __thread struct tg_gt_rec *asking;

unsigned long tg_gt_memo_trust_changed(void)
{
    return __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
}

unsigned long tg_gt_memo_gen(void)
{
    return __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
}

void tg_gt_memo_window_off(void)
{
    __atomic_store_n(&window_off, 1, __ATOMIC_SEQ_CST);
}

void tg_gt_memo_off(void)
{
    __atomic_store_n(&memo_off, 1, __ATOMIC_SEQ_CST);
}

int tg_gt_memo_on(void)
{
    return !__atomic_load_n(&memo_off, __ATOMIC_SEQ_CST);
}

struct tg_gt_rec *tg_gt_memo_asking(struct tg_gt_rec *r)
{
    struct tg_gt_rec *prev = asking;
    asking = r;
    return prev;
}

void tg_gt_memo_before(struct tg_gt_memo *m)
{
    m->chain_ok = m->valid = 0;
    m->gen = tg_gt_memo_gen();
    m->t0 = (long long)time(NULL);
}

void tg_gt_memo_after(struct tg_gt_memo *m, tg_gt_tlist own, unsigned ncerts, int passed)
{
    m->list = own;
    m->ncerts = ncerts;
    m->t1 = (long long)time(NULL);
    m->chain_ok = passed != 0;
}

#define PROFILE_MASK 0xff000000u

/* F's checks are a subset of S's (see the top of the file). */
static int flags_ok(unsigned f)
{
    unsigned profile = f >> 24;
    return (f & ~PROFILE_MASK) == 0 &&
           (profile == 0 /* UNKNOWN */ || profile == 1 /* VERY_WEAK */ || profile == 2 /* LOW */);
}

static int data_ok(const tg_gt_vdata *d, unsigned n, const char *host)
{
    int names = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *s = (const char *)d[i].data;
        if (d[i].type == TG_GT_DT_DNS_HOSTNAME) {
            if (names++ || (s && strcmp(s, host)))
                return 0;
        } else if (d[i].type != TG_GT_DT_KEY_PURPOSE_OID || !s ||
                   strcmp(s, TG_GT_KP_TLS_WWW_SERVER)) {
            return 0;
        }
    }
    return 1;
}

int tg_gt_memo_peers_are(const struct tg_gtls *g, const struct tg_gt_rec *r, tg_gt_crt *certs,
                         unsigned n)
{
    unsigned np = 0;
    const tg_gt_datum *der = g->gnutls_certificate_get_peers(r->session, &np);
    if (!der || np != n || !g->gnutls_x509_crt_equals2)
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (!g->gnutls_x509_crt_equals2(certs[i], &der[i]))
            return 0;
    return 1;
}

static int same_chain(const struct tg_gtls *g, const struct tg_gt_rec *r, tg_gt_crt *certs,
                      unsigned n)
{
    return n == r->memo.ncerts && tg_gt_memo_peers_are(g, r, certs, n);
}

struct tg_gt_rec *tg_gt_memo_asked(void)
{
    return asking;
}

/* `end` lowered to crt's first notBefore or notAfter at or after t0. */
static long long first_at(const struct tg_gtls *g, tg_gt_crt crt, long long t0, long long end)
{
    long long t[2] = { (long long)g->gnutls_x509_crt_get_activation_time(crt),
                       (long long)g->gnutls_x509_crt_get_expiration_time(crt) };
    for (int i = 0; i < 2; i++)
        if (t[i] >= t0 && t[i] < end)
            end = t[i];
    return end;
}

/* D of `list`'s CAs for t0 (t0: no window), per thread for the list and
 * generation: a change of the list or of its address moves that on. The
 * least time >= from is also the least >= t0 for any t0 in [from, until). */
static __thread struct {
    tg_gt_tlist list;
    unsigned long gen;
    long long from, until;
} cas;

static long long cas_end(const struct tg_gtls *g, tg_gt_tlist list, unsigned long gen, long long t0)
{
    if (cas.list == list && cas.gen == gen && cas.from <= t0 && t0 < cas.until)
        return cas.until;
    tg_gt_iter it = NULL;
    tg_gt_crt ca = NULL;
    long long end = LLONG_MAX;
    unsigned k = 0;
    int rc;
    while ((rc = g->gnutls_x509_trust_list_iter_get_ca(list, &it, &ca)) == 0) {
        end = ++k > TG_MEMO_MAX_CAS ? t0 : first_at(g, ca, t0, end);
        g->gnutls_x509_crt_deinit(ca);
        if (end == t0)
            break;
    }
    if (it)
        g->gnutls_x509_trust_list_iter_deinit(it);
    if (rc != 0 && rc != TG_GT_E_REQUESTED_DATA_NOT_AVAILABLE)
        end = t0;
    cas.list = list;
    cas.gen = gen;
    cas.from = t0;
    cas.until = end;
    return end;
}

long long tg_gt_memo_peers_end(const struct tg_gtls *g, const struct tg_gt_memo *m,
                               tg_gt_crt *certs, unsigned n)
{
    long long end = LLONG_MAX;
    for (unsigned i = 0; i < n && end > m->t0; i++)
        end = first_at(g, certs[i], m->t0, end);
    return end;
}

long long tg_gt_memo_window_end(const struct tg_gtls *g, const struct tg_gt_memo *m,
                                long long peers_end)
{
    if (m->t1 < m->t0 || __atomic_load_n(&window_off, __ATOMIC_SEQ_CST))
        return 0;
    long long end = cas_end(g, m->list, m->gen, m->t0);
    if (peers_end < end)
        end = peers_end;
    return m->t1 < end ? end : 0;
}

/* Now, and Q0's end, in the memo's window (see the top of the file): the
 * window's end (now + 1 for the same second), 0 when not in it. */
static long long in_window(const struct tg_gtls *g, const struct tg_gt_memo *m, tg_gt_crt *certs,
                           unsigned n)
{
    long long now = (long long)time(NULL);
    if (m->t0 == m->t1 && m->t1 == now)
        return now + 1;
    if (now < m->t0)
        return 0;
    long long end = tg_gt_memo_window_end(g, m, tg_gt_memo_peers_end(g, m, certs, n));
    return now < end ? end : 0;
}

int tg_gt_memo_answer(const struct tg_gtls *g, tg_gt_tlist list, tg_gt_crt *certs, unsigned n,
                      const tg_gt_vdata *data, unsigned elements, unsigned flags, const void *func,
                      unsigned *status, long long *until)
{
    const struct tg_gt_rec *r = asking;
    if (!r || !r->memo.valid || func || !status || !list || list != r->memo.list ||
        n > TG_MEMO_MAX_CERTS || __atomic_load_n(&memo_off, __ATOMIC_SEQ_CST) ||
        r->memo.gen != tg_gt_memo_gen() || !flags_ok(flags) || (elements && !data) ||
        !data_ok(data, elements, r->memo.host) || !same_chain(g, r, certs, n) ||
        !(*until = in_window(g, &r->memo, certs, n)))
        return 0;
    *status = 0;
    return 1;
}
