/*
 * asker.c — an NSS client whose own auth-certificate hook asks NSS's
 * SSL_AuthCertificate a question of its choosing (tests/nss/roads.py):
 * what the shim may answer from its own check, and what it must leave to
 * NSS.
 *
 *   asker MODE HOST PORT MARKER DBDIR
 *
 * NSS_Init on DBDIR (a certificate database trusting the test CA), one
 * socket to 127.0.0.1:PORT, its URL HOST, the hook below, MARKER written.
 * The hook returns SSL_AuthCertificate's answer for:
 *   plain   this socket, the default database (what curl's hook asks)
 *   url     this socket after SSL_SetURL(socket, "wrong.example")
 *   socket  another socket, whose handshake with the same peer for
 *           "wrong.example" went before (its result ignored)
 *   db      this socket, another database handle than the one NSS uses
 *           (a zeroed one: no OCSP configuration, no certificates)
 * Prints "asked: ok" or "asked: NAME", then "wrote N" / "write failed: ..."
 * and exits 0 when the write went through.
 */
#include "../robust/asan_first.h"
#include "../lib/nss_client.h"

#include <cert.h>
#include <nspr.h>
#include <nss.h>
#include <prerror.h>
#include <ssl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *mode;
static PRFileDesc *other;
static void *zeroed_db[4096 / sizeof(void *)];

static SECStatus ask(void *arg, PRFileDesc *fd, PRBool sig, PRBool server)
{
    void *db = CERT_GetDefaultCertDB();
    SECStatus rv;
    (void)arg;
    if (!strcmp(mode, "url"))
        SSL_SetURL(fd, "wrong.example");
    if (!strcmp(mode, "db"))
        db = zeroed_db;
    rv = SSL_AuthCertificate(db, !strcmp(mode, "socket") ? other : fd, sig, server);
    printf("asked: %s\n", rv == SECSuccess ? "ok" : PR_ErrorToName(PR_GetError()));
    return rv;
}

static PRFileDesc *open_to(int port, const char *url)
{
    PRNetAddr addr;
    PRFileDesc *tcp = PR_NewTCPSocket(), *s;
    PR_StringToNetAddr("127.0.0.1", &addr);
    addr.inet.port = PR_htons((PRUint16)port);
    if (!tcp || PR_Connect(tcp, &addr, PR_SecondsToInterval(10)) != PR_SUCCESS)
        return NULL;
    if (!(s = SSL_ImportFD(NULL, tcp)))
        return NULL;
    SSL_OptionSet(s, SSL_SECURITY, PR_TRUE);
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    SSL_SetURL(s, url);
    SSL_ResetHandshake(s, PR_FALSE);
    return s;
}

int main(int argc, char **argv)
{
    char dbarg[4200];
    if (argc < 6) {
        fprintf(stderr, "usage: asker MODE HOST PORT MARKER DBDIR\n");
        return 2;
    }
    mode = argv[1];
    snprintf(dbarg, sizeof dbarg, "sql:%s", argv[5]);
    if (NSS_Init(dbarg) != SECSuccess) {
        printf("NSS_Init failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 1;
    }
    NSS_SetDomesticPolicy();
    if (!strcmp(mode, "socket")) {
        other = open_to(atoi(argv[3]), "wrong.example");
        if (other)
            (void)SSL_ForceHandshake(other); /* fails: the name is wrong */
    }
    PRFileDesc *s = open_to(atoi(argv[3]), argv[2]);
    if (!s || (!strcmp(mode, "socket") && !other)) {
        printf("connect failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 1;
    }
    SSL_AuthCertificateHook(s, ask, NULL);
    PRInt32 n = tg_nss_write_line(s, argv[4]);
    if (n < 0)
        return 1;
    printf("wrote %d\n", (int)n);
    PR_Close(s);
    if (other)
        PR_Close(other);
    NSS_Shutdown();
    return 0;
}
