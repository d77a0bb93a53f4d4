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
 *  - the same second of time(2) as all of Q0, and GnuTLS's clock is time(2)
 *    (no gnutls_global_set_time_function): every validity check compares
 *    the same "now";
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
 * GnuTLS. Not modelled: a PKCS#11 trust token whose content changes
 * within that second.
 */
#include "gt_memo.h"
#include "gt_records.h"

#include <string.h>
#include <time.h>

static unsigned long generation;
static int clock_replaced;
static __thread struct tg_gt_rec *asking;

void tg_gt_memo_trust_changed(void)
{
    __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
}

unsigned long tg_gt_memo_gen(void)
{
    return __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
}

void tg_gt_memo_clock_replaced(void)
{
    __atomic_store_n(&clock_replaced, 1, __ATOMIC_SEQ_CST);
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
    m->second = (long long)time(NULL);
}

void tg_gt_memo_after(struct tg_gt_memo *m, tg_gt_tlist own, unsigned ncerts, int passed)
{
    m->list = own;
    m->ncerts = ncerts;
    m->chain_ok = passed && m->second == (long long)time(NULL);
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

static int same_chain(const struct tg_gtls *g, const struct tg_gt_rec *r, tg_gt_crt *certs,
                      unsigned n)
{
    unsigned np = 0;
    const tg_gt_datum *der = g->gnutls_certificate_get_peers(r->session, &np);
    if (!der || np != n || n != r->memo.ncerts || !g->gnutls_x509_crt_equals2)
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (!g->gnutls_x509_crt_equals2(certs[i], &der[i]))
            return 0;
    return 1;
}

int tg_gt_memo_answer(const struct tg_gtls *g, tg_gt_tlist list, tg_gt_crt *certs, unsigned n,
                      const tg_gt_vdata *data, unsigned elements, unsigned flags, const void *func,
                      unsigned *status)
{
    const struct tg_gt_rec *r = asking;
    if (!r || !r->memo.valid || func || !status || !list || list != r->memo.list ||
        __atomic_load_n(&clock_replaced, __ATOMIC_SEQ_CST) || r->memo.gen != tg_gt_memo_gen() ||
        r->memo.second != (long long)time(NULL) || !flags_ok(flags) || (elements && !data) ||
        !data_ok(data, elements, r->memo.host) || !same_chain(g, r, certs, n))
        return 0;
    *status = 0;
    return 1;
}
