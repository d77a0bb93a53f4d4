/*
 * bench_nss — an NSS client alone in its process, for whole-process
 * measurements of the shim's cost on NSS programs (the server runs in
 * another process): a careful NSS program, with its own certificate
 * database holding the CA it trusts, verifying by NSS's default
 * auth-certificate hook.
 *
 *   bench_nss --port P --db DIR [--n N]
 *
 * N full handshakes to 127.0.0.1:P (SSL_NO_CACHE: no resumption), each
 * verified for "localhost" (SSL_SetURL) against the database DIR (made
 * with certutil, the CA trusted "C,,"), one line written, then closed.
 * Exit 0 on success, 1 on any TLS or socket failure. Not a test.
 */
#include <nspr.h>
#include <nss.h>
#include <prerror.h>
#include <ssl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_args.h"

static int fail(const char *what)
{
    PRErrorCode e = PR_GetError();
    fprintf(stderr, "bench_nss: %s failed: %s\n", what, PR_ErrorToName(e));
    return 1;
}

/* One verified connection, one line written. */
static int connection(int port)
{
    PRNetAddr addr;
    PRFileDesc *tcp = PR_NewTCPSocket(), *s = NULL;
    int rc = 1;
    PR_StringToNetAddr("127.0.0.1", &addr);
    addr.inet.port = PR_htons((PRUint16)port);
    if (!tcp || PR_Connect(tcp, &addr, PR_SecondsToInterval(10)) != PR_SUCCESS) {
        fail("connect");
        goto out;
    }
    if (!(s = SSL_ImportFD(NULL, tcp))) {
        fail("SSL_ImportFD");
        goto out;
    }
    tcp = NULL; /* s owns it now */
    SSL_OptionSet(s, SSL_SECURITY, PR_TRUE);
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    SSL_OptionSet(s, SSL_NO_CACHE, PR_TRUE);
    SSL_SetURL(s, "localhost");
    SSL_ResetHandshake(s, PR_FALSE);
    if (SSL_ForceHandshake(s) != SECSuccess) {
        fail("SSL_ForceHandshake");
        goto out;
    }
    if (PR_Write(s, "bench\n", 6) != 6) {
        fail("PR_Write");
        goto out;
    }
    rc = 0;
out:
    if (s)
        PR_Close(s);
    if (tcp)
        PR_Close(tcp);
    return rc;
}

int main(int argc, char **argv)
{
    struct bench_args a = bench_args_parse(argc, argv);
    const char *db = a.db;
    int port = a.port;
    long n = a.n;
    char dbarg[4200];
    if (!port || !db || n < 1) {
        fprintf(stderr, "usage: bench_nss --port P --db DIR [--n N]\n");
        return 1;
    }
    snprintf(dbarg, sizeof dbarg, "sql:%s", db);
    if (NSS_Init(dbarg) != SECSuccess)
        return fail("NSS_Init");
    NSS_SetDomesticPolicy();
    int rc = 0;
    for (long i = 0; !rc && i < n; i++)
        rc = connection(port);
    SSL_ClearSessionCache();
    if (NSS_Shutdown() != SECSuccess && !rc)
        rc = fail("NSS_Shutdown");
    if (!rc)
        printf("bench_nss n=%ld ok\n", n);
    return rc;
}
