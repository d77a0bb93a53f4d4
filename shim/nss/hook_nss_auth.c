/*
 * hook_nss_auth.c — the program's own certificate check, after the
 * shim's. NSS would run SSL_AuthCertificate (or the program's hook, which
 * mostly calls it): a second verification of the chain the shim just
 * verified the same way (nss_verify.c, nss_chain.c). While that check
 * runs, on the thread that runs it, SSL_AuthCertificate asked exactly the
 * question the shim answered yes to (nss_records.h: answered) answers yes
 * from it: the same socket, certificate, database, URL, signatures
 * checked, a TLS server, the program's own trust alone. Every other
 * question — another socket or database, a URL changed since, a second
 * handshake, stapled OCSP answers NSS would take into account, a chain the
 * shim passed only with the policy's or the system's anchors, any call
 * outside that window — gets NSS's own answer.
 */
#include "init.h"
#include "nss_verify.h"

#include <string.h>

/* The socket whose check this thread is running, NULL: none. */
static __thread tg_pr_fd *asking;

static int url_is(const struct tg_nss *n, tg_pr_fd *fd, const char *host)
{
    char *url = n->SSL_RevealURL(fd);
    int same = url && !strcmp(url, host);
    if (url)
        n->PORT_Free(url);
    return same;
}

static int same_peer(const struct tg_nss *n, tg_pr_fd *fd, const tg_nss_cert *leaf)
{
    tg_nss_cert *c = n->SSL_PeerCertificate(fd);
    const tg_nss_item_array *ocsp = n->SSL_PeerStapledOCSPResponses(fd);
    if (c)
        n->CERT_DestroyCertificate(c); /* the socket keeps its own reference */
    return c && c == leaf && !(ocsp && ocsp->len);
}

/* 1 when SSL_AuthCertificate(db, fd, check_sig, is_server) is the question
 * the shim's check of `fd` just answered yes. */
static int answered(const struct tg_nss *n, void *db, tg_pr_fd *fd, tg_nss_bool check_sig,
                    tg_nss_bool is_server)
{
    struct tg_nss_rec *r;
    if (!fd || fd != asking || !check_sig || is_server || (r = tg_nss_rec_get(fd, 0)) == NULL)
        return 0;
    return r->answered && db && db == r->answered_db && same_peer(n, fd, r->answered_leaf) &&
           url_is(n, fd, r->verdict.host);
}

TG_EXPORT tg_nss_status SSL_AuthCertificate(void *db, tg_pr_fd *fd, tg_nss_bool check_sig,
                                            tg_nss_bool is_server)
{
    const struct tg_nss *n = tg_nss();
    if (!n)
        return TG_SEC_FAILURE;
    if (answered(n, db, fd, check_sig, is_server))
        return TG_SEC_SUCCESS;
    return n->SSL_AuthCertificate(db, fd, check_sig, is_server);
}

tg_nss_status tg_nss_auth_after_check(const struct tg_nss *n, struct tg_nss_rec *r, tg_pr_fd *fd,
                                      tg_nss_bool check_sig, tg_nss_bool is_server)
{
    tg_nss_auth_fn prog = r->prog.auth;
    void *arg = r->prog.auth_arg;
    tg_pr_fd *outer = asking;
    tg_nss_status rv;
    asking = fd;
    rv = prog ? prog(arg, fd, check_sig, is_server)
              : SSL_AuthCertificate(n->CERT_GetDefaultCertDB(), fd, check_sig, is_server);
    asking = outer;
    if ((r = tg_nss_rec_get(fd, 0)) != NULL) /* the hook may have closed it */
        r->answered = 0;
    return rv;
}
