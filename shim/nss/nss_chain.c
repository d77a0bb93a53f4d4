/*
 * nss_chain.c — the peer's chain verified for a TLS server: against the
 * program's own NSS trust first (its database and modules, untouched), by
 * the very call NSS's SSL_AuthCertificate makes (so that a pass there is
 * NSS's own answer, hook_nss_auth.c), else against the policy's anchors (the global ca-file/ca-dir and this
 * host's) — and the system's where the program's NSS trusts no CA at all —
 * handed to this one check as CERT_PKIXVerifyCert's trust anchors; a
 * leaf that is itself one of the policy's anchors (a pinned self-signed
 * server) is trusted as it stands, within its validity times. No
 * anchor of the policy is ever given trust in NSS's database: another
 * connection, another host's check and the program's own
 * CERT_VerifyCertificate calls never see it.
 */
#include "nss_chain.h"
#include "nss_anchors.h"
#include "settings.h"

#include <stddef.h>

#define TG_NSS_E_UNKNOWN_ISSUER   (-0x2000 + 13)
#define TG_NSS_E_UNTRUSTED_CERT   (-0x2000 + 21)
#define TG_NSS_E_ISSUER_UNTRUSTED (-0x2000 + 20)
#define TG_NSS_E_EXPIRED_CERT     (-0x2000 + 11)

/* Does any certificate NSS knows carry the trust of a server CA? (A
 * NSS_NoDB_Init program without a roots module: none.) Once one does,
 * the program has trust of its own for the rest of the process. */
static int program_has_anchors(const struct tg_nss *n)
{
    static int seen;
    if (__atomic_load_n(&seen, __ATOMIC_ACQUIRE))
        return 1;
    tg_nss_cert_list *cas = n->PK11_ListCerts(TG_PK11_LIST_CA, NULL);
    int found = 0;
    for (tg_nss_link *l = cas ? cas->list.next : NULL; !found && l && l != &cas->list;
         l = l->next) {
        tg_nss_trust t = { 0, 0, 0 };
        found = !n->CERT_GetCertTrust(((tg_nss_cert_node *)l)->cert, &t) &&
                (t.ssl & TG_CERTDB_TRUSTED_CA);
    }
    if (cas)
        n->CERT_DestroyCertList(cas);
    if (found)
        __atomic_store_n(&seen, 1, __ATOMIC_RELEASE);
    return found;
}

static void add_all(const struct tg_nss *n, tg_nss_cert_list *to, const tg_nss_cert_list *from)
{
    for (const tg_nss_link *l = from ? from->list.next : NULL; l && l != &from->list; l = l->next) {
        tg_nss_cert *c = n->CERT_DupCertificate(((const tg_nss_cert_node *)l)->cert);
        if (c && n->CERT_AddCertToListTail(to, c))
            n->CERT_DestroyCertificate(c);
    }
}

/* The policy's anchors for this check: the global ca-file and ca-dir,
 * this host's; NULL for each it has none in. */
static void policy_lists(const struct tg_nss *n, const struct tg_rules *ru,
                         tg_nss_cert_list *from[4])
{
    const struct tg_policy *p = tg_settings_policy(NULL);
    const struct tg_global *g = p ? tg_policy_global(p) : NULL;
    from[0] = tg_nss_anchors(n, g ? g->ca_file : NULL);
    from[1] = tg_nss_anchors(n, g ? g->ca_dir : NULL);
    from[2] = tg_nss_anchors(n, ru->settings.ca_file);
    from[3] = tg_nss_anchors(n, ru->settings.ca_dir);
}

/* This check's anchors: the policy's (`from`'s first four), and the
 * system's when `system`; NULL when there are none. */
static tg_nss_cert_list *anchors_for(const struct tg_nss *n, tg_nss_cert_list *from[6], int system)
{
    if (system)
        tg_nss_anchors_system(n, from + 4);
    tg_nss_cert_list *all = n->CERT_NewCertList();
    for (size_t i = 0; all && i < 6; i++)
        add_all(n, all, from[i]);
    if (all && all->list.next == &all->list) {
        n->CERT_DestroyCertList(all);
        all = NULL;
    }
    return all;
}

/* Is `leaf` itself, byte for byte, one of the policy's anchors (an admin
 * pinning a self-signed server the way OpenSSL and GnuTLS take a trusted
 * certificate equal to the peer's)? CERT_PKIXVerifyCert would check such
 * an anchor as a CA and refuse it (SEC_ERROR_INADEQUATE_CERT_TYPE). The
 * system's anchors never count here: only what the policy names. */
static int leaf_is_anchor(const struct tg_nss *n, const tg_nss_cert *leaf,
                          tg_nss_cert_list *const from[4])
{
    for (size_t i = 0; i < 4; i++)
        for (const tg_nss_link *l = from[i] ? from[i]->list.next : NULL; l && l != &from[i]->list;
             l = l->next)
            if (n->CERT_CompareCerts(leaf, ((const tg_nss_cert_node *)l)->cert))
                return 1;
    return 0;
}

/* A leaf the policy names as an anchor: trusted as it stands, within its
 * validity times; its chain (for the pins) is itself. */
static int anchor_leaf_in_time(const struct tg_nss *n, tg_nss_cert *leaf, tg_nss_cert_list **chain,
                               int32_t *err)
{
    if (n->CERT_CheckCertValidTimes(leaf, n->PR_Now(), 0) != TG_CERT_TIME_VALID) {
        *err = TG_NSS_E_EXPIRED_CERT; /* NSS's word for not yet valid, too */
        return 0;
    }
    if (!chain)
        return 1;
    tg_nss_cert *c = n->CERT_DupCertificate(leaf);
    *chain = n->CERT_NewCertList();
    if (c && (!*chain || n->CERT_AddCertToListTail(*chain, c)))
        n->CERT_DestroyCertificate(c);
    return 1; /* no list: the pins then fail, closed */
}

/* CERT_PKIXVerifyCert against `anchors` only (revocation as NSS's classic
 * verifier does by default: not checked); when `chain`, the chain it
 * built, its anchor last (pins may name the CA), in *chain. */
static int verify_with(const struct tg_nss *n, tg_nss_cert *leaf, tg_nss_cert_list *anchors,
                       tg_nss_cert_list **chain, int32_t *err)
{
    tg_nss_valparam in[3], out[3];
    in[0] = (tg_nss_valparam){ .type = TG_CERT_PI_TRUST_ANCHORS, .pointer = anchors };
    in[1] = (tg_nss_valparam){ .type = TG_CERT_PI_REVOCATION,
                               .pointer = n->CERT_GetClassicOCSPDisabledPolicy() };
    in[2] = (tg_nss_valparam){ .type = TG_CERT_PI_END };
    out[0] = (tg_nss_valparam){ .type = chain ? TG_CERT_PO_CERT_LIST : TG_CERT_PO_END };
    out[1] = (tg_nss_valparam){ .type = TG_CERT_PO_TRUST_ANCHOR };
    out[2] = (tg_nss_valparam){ .type = TG_CERT_PO_END };
    if (n->CERT_PKIXVerifyCert(leaf, TG_CERT_USAGE_SERVER, in, out, NULL) != TG_SEC_SUCCESS) {
        *err = n->PR_GetError();
        return 0;
    }
    if (!chain)
        return 1;
    tg_nss_cert_list *built = (tg_nss_cert_list *)out[0].pointer;
    tg_nss_cert *anchor = (tg_nss_cert *)out[1].pointer;
    if (built && anchor && !n->CERT_AddCertToListTail(built, anchor))
        anchor = NULL; /* the list owns it now */
    if (anchor)
        n->CERT_DestroyCertificate(anchor);
    *chain = built;
    return 1;
}

static int issuer_problem(int32_t err)
{
    return err == TG_NSS_E_UNKNOWN_ISSUER || err == TG_NSS_E_ISSUER_UNTRUSTED ||
           err == TG_NSS_E_UNTRUSTED_CERT;
}

int tg_nss_verify_chain(const struct tg_nss *n, tg_nss_cert *leaf, const struct tg_rules *ru,
                        void *pin_arg, tg_nss_cert_list **chain, int *own, int32_t *err)
{
    *own = n->CERT_VerifyCert(n->CERT_GetDefaultCertDB(), leaf, 1, TG_CERT_USAGE_SSL_SERVER,
                              n->PR_Now(), pin_arg, NULL) == TG_SEC_SUCCESS;
    if (*own) {
        if (chain)
            *chain = n->CERT_GetCertChainFromCert(leaf, n->PR_Now(), TG_CERT_USAGE_SSL_SERVER);
        return 1;
    }
    *err = n->PR_GetError();
    tg_nss_cert_list *from[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
    policy_lists(n, ru, from);
    if (leaf_is_anchor(n, leaf, from))
        return anchor_leaf_in_time(n, leaf, chain, err);
    tg_nss_cert_list *anchors = anchors_for(n, from, !program_has_anchors(n));
    int32_t other = 0;
    int ok = anchors && verify_with(n, leaf, anchors, chain, &other);
    if (!ok && other && issuer_problem(*err))
        *err = other; /* what the policy's anchors found wrong beyond the issuer */
    if (anchors)
        n->CERT_DestroyCertList(anchors);
    return ok;
}
