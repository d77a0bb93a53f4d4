/*
 * rb_nss_threads — a careless NSS client, many threads at once.
 *
 *   rb_nss_threads GOOD1,GOOD2,... BAD1,BAD2,... THREADS PER_THREAD
 *
 * Each peer is HOST:PORT (HOST is the name set with SSL_SetURL; the socket
 * goes to 127.0.0.1). NSS is initialised once by main (no database); the
 * threads start together (a barrier), each imports a socket per handshake,
 * installs hooks that accept any certificate, allows TLS 1.0, forces the
 * handshake and writes whatever it said. A good peer must take the payload;
 * a bad one must fail the handshake and refuse the write (fail closed).
 * Whether the shim named itself is the driver's check (its log). THREADS 1
 * makes a plain sequential client.
 *
 * Prints per-kind counts and "N passed, N failed"; exit 0 when all passed.
 */
#include "asan_first.h"
#include "rb_threads.h"

#include <nspr.h>
#include <nss.h>
#include <prerror.h>
#include <ssl.h>
#include <sslproto.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/nss_client.h"

#define PAYLOAD "TLSGUARD-PAYLOAD rb_nss_threads\n"

static PRFileDesc *open_careless(const struct rb_peer *p)
{
    PRNetAddr addr;
    PRFileDesc *tcp = PR_NewTCPSocket(), *s;
    if (!tcp)
        return NULL;
    PR_StringToNetAddr("127.0.0.1", &addr);
    addr.inet.port = PR_htons((PRUint16)atoi(p->port));
    if (PR_Connect(tcp, &addr, PR_SecondsToInterval(10)) != PR_SUCCESS ||
        !(s = SSL_ImportFD(NULL, tcp))) {
        PR_Close(tcp);
        return NULL;
    }
    SSLVersionRange range = { SSL_LIBRARY_VERSION_TLS_1_0, SSL_LIBRARY_VERSION_TLS_1_3 };
    SSL_OptionSet(s, SSL_SECURITY, PR_TRUE);
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    SSL_OptionSet(s, SSL_NO_CACHE, PR_TRUE);
    SSL_AuthCertificateHook(s, tg_nss_accept_any, NULL);
    SSL_BadCertHook(s, tg_nss_go_on, NULL);
    SSL_VersionRangeSet(s, &range);
    SSL_SetURL(s, p->host);
    SSL_ResetHandshake(s, PR_FALSE);
    return s;
}

/* One handshake: 1 when it went as `want_good` says, else 0 and `why`. */
static int one(const struct rb_peer *p, int want_good, char *why, size_t n)
{
    PRFileDesc *s = open_careless(p);
    if (!s) {
        snprintf(why, n, "connect %s:%s failed: %s", p->host, p->port,
                 PR_ErrorToName(PR_GetError()));
        return 0;
    }
    SECStatus hs = SSL_ForceHandshake(s);
    PRErrorCode hs_err = hs == SECSuccess ? 0 : PR_GetError();
    PRInt32 w = PR_Write(s, PAYLOAD, (PRInt32)strlen(PAYLOAD)); /* careless: whatever hs said */
    int ok =
        want_good ? hs == SECSuccess && w == (PRInt32)strlen(PAYLOAD) : hs != SECSuccess && w <= 0;
    if (!ok)
        snprintf(why, n, "%s %s:%s: handshake=%s, write=%d", want_good ? "good" : "bad", p->host,
                 p->port, hs == SECSuccess ? "ok" : PR_ErrorToName(hs_err), (int)w);
    PR_Close(s);
    return ok;
}

int main(int argc, char **argv)
{
    struct rb_run run = { .one = one };
    if (rb_run_args(&run, argc, argv, "rb_nss_threads"))
        return 2;
    if (NSS_NoDB_Init(NULL) != SECSuccess || NSS_SetDomesticPolicy() != SECSuccess) {
        fprintf(stderr, "rb_nss_threads: NSS init failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 2;
    }
    int rc = rb_run_threads(&run);
    SSL_ClearSessionCache();
    NSS_Shutdown();
    PR_Cleanup();
    return rc;
}
