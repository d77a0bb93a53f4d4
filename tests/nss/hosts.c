/*
 * hosts.c — one NSS process, several connections and its own certificate
 * checks: what trust one connection's check leaves behind for the others.
 *
 *   hosts nodb|DBDIR STEP...
 *
 * Steps, run in order:
 *   conn NAME PORT MARKER  a careless connection (accept-anything hooks,
 *                          SSL_SetURL(NAME), handshake result ignored) to
 *                          127.0.0.1:PORT that writes "MARKER\n"; prints
 *                          "conn NAME: wrote N" or "conn NAME: failed ERR: TEXT";
 *                          MARKER "-": only the handshake, the socket
 *                          left open ("conn NAME: handshake failed ERR: TEXT")
 *   verify PEM             the program's own CERT_VerifyCertificateNow of
 *                          the first certificate in PEM for a TLS server;
 *                          prints "verify: ok" or "verify: failed ERR: TEXT"
 *   race NAME PORT N PEM   N connections as `conn` (marker "race") in a
 *                          second thread while this one verifies PEM as
 *                          `verify` until they are done; prints
 *                          "race: N accepted of M checks"
 */
#include <cert.h>
#include <nspr.h>
#include <nss.h>
#include <base64.h>
#include <prerror.h>
#include <ssl.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/nss_client.h"

/* 1 when MARKER was written to NAME at 127.0.0.1:PORT. */
static int conn(const char *name, int port, const char *marker, int quiet)
{
    PRNetAddr addr;
    char line[256];
    PRFileDesc *tcp = PR_NewTCPSocket(), *s = NULL;
    PR_StringToNetAddr("127.0.0.1", &addr);
    addr.inet.port = PR_htons((PRUint16)port);
    if (tcp && PR_Connect(tcp, &addr, PR_SecondsToInterval(10)) == PR_SUCCESS)
        s = SSL_ImportFD(NULL, tcp);
    if (!s) {
        printf("conn %s: failed connect %s\n", name, PR_ErrorToName(PR_GetError()));
        return 0;
    }
    SSL_OptionSet(s, SSL_SECURITY, PR_TRUE);
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    SSL_AuthCertificateHook(s, tg_nss_accept_any, NULL);
    SSL_BadCertHook(s, tg_nss_go_on, NULL);
    SSL_SetURL(s, name);
    SSL_ResetHandshake(s, PR_FALSE);
    if (SSL_ForceHandshake(s) != SECSuccess && !strcmp(marker, "-")) {
        PRErrorCode e = PR_GetError();
        printf("conn %s: handshake failed %s: %s\n", name, PR_ErrorToName(e),
               PR_ErrorToString(e, PR_LANGUAGE_I_DEFAULT));
        return 0; /* the socket is left open (leaked): the check comes next */
    }
    int len = snprintf(line, sizeof line, "%s\n", marker);
    PRInt32 n = PR_Write(s, line, len);
    if (!quiet && n == len)
        printf("conn %s: wrote %d\n", name, (int)n);
    else if (!quiet)
        printf("conn %s: failed %s: %s\n", name, PR_ErrorToName(PR_GetError()),
               PR_ErrorToString(PR_GetError(), PR_LANGUAGE_I_DEFAULT));
    PR_Close(s);
    return n == len;
}

static CERTCertificate *load(const char *path)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    char buf[16384];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *b = strstr(buf, begin), *e = b ? strstr(b, "-----END") : NULL;
    if (!e)
        return NULL;
    *e = '\0';
    unsigned int len = 0;
    unsigned char *der = ATOB_AsciiToData(b + sizeof begin - 1, &len);
    SECItem item = { siBuffer, der, len };
    CERTCertificate *c =
        der ? CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &item, NULL, PR_FALSE, PR_TRUE)
            : NULL;
    PORT_Free(der);
    return c;
}

static int verify(CERTCertificate *c)
{
    return c && CERT_VerifyCertificateNow(CERT_GetDefaultCertDB(), c, PR_TRUE,
                                          certificateUsageSSLServer, NULL, NULL) == SECSuccess;
}

struct race {
    const char *name;
    int port, count, done;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < r->count; i++)
        conn(r->name, r->port, "race", 1);
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int race(char **argv)
{
    struct race r = { argv[0], atoi(argv[1]), atoi(argv[2]), 0 };
    CERTCertificate *c = load(argv[3]);
    int checks = 0, accepted = 0;
    pthread_t t;
    if (!c || pthread_create(&t, NULL, racer, &r))
        return 1;
    while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
        checks++;
        accepted += verify(c);
    }
    pthread_join(t, NULL);
    printf("race: %d accepted of %d checks\n", accepted, checks);
    CERT_DestroyCertificate(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hosts nodb|DBDIR STEP...\n");
        return 2;
    }
    if (strcmp(argv[1], "nodb") ? NSS_Init(argv[1]) : NSS_NoDB_Init(NULL)) {
        printf("init failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 1;
    }
    NSS_SetDomesticPolicy();
    for (int i = 2; i < argc;) {
        if (!strcmp(argv[i], "conn") && i + 3 < argc) {
            conn(argv[i + 1], atoi(argv[i + 2]), argv[i + 3], 0);
            i += 4;
        } else if (!strcmp(argv[i], "verify") && i + 1 < argc) {
            CERTCertificate *c = load(argv[i + 1]);
            int ok = verify(c);
            if (ok)
                printf("verify: ok\n");
            else
                printf("verify: failed %s: %s\n", PR_ErrorToName(PR_GetError()),
                       PR_ErrorToString(PR_GetError(), PR_LANGUAGE_I_DEFAULT));
            if (c)
                CERT_DestroyCertificate(c);
            i += 2;
        } else if (!strcmp(argv[i], "race") && i + 4 < argc) {
            if (race(argv + i + 1))
                return 1;
            i += 5;
        } else {
            fprintf(stderr, "hosts: bad step %s\n", argv[i]);
            return 2;
        }
    }
    NSS_Shutdown();
    return 0;
}
