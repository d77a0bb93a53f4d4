/*
 * careless.c — a careless NSS client: verification off by hooks that
 * accept anything, old versions allowed, the handshake result ignored,
 * writes anyway.
 *
 *   careless HOST PORT MARKER [url|url=NAME] [tls10] [weak] [force]
 *
 * url: SSL_SetURL(HOST), url=NAME: SSL_SetURL(NAME) (else no name at all); tls10: SSL_VersionRangeSet
 * {TLS 1.0, TLS 1.3} and SSL_OptionSet(SSL_ENABLE_TLS); weak: enables the 3DES suite;
 * force: SSL_ForceHandshake first (its result ignored), else the handshake
 * runs inside the first PR_Write. Writes "MARKER\n" and reads a reply;
 * prints "wrote N" / "write failed: NAME: TEXT" and exits 0 when the
 * write went through.
 */
#include "../robust/asan_first.h"

#include <nspr.h>
#include <nss.h>
#include <prerror.h>
#include <ssl.h>
#include <sslproto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/nss_client.h"

static int has(int argc, char **argv, const char *word)
{
    for (int i = 4; i < argc; i++)
        if (!strcmp(argv[i], word))
            return 1;
    return 0;
}

/* The URL the words ask for: HOST (url), NAME (url=NAME), else NULL. */
static const char *url_of(int argc, char **argv)
{
    for (int i = 4; i < argc; i++)
        if (!strncmp(argv[i], "url=", 4))
            return argv[i] + 4;
    return has(argc, argv, "url") ? argv[1] : NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: careless HOST PORT MARKER [url|url=NAME] [tls10] [weak] [force]\n");
        return 2;
    }
    NSS_NoDB_Init(NULL);
    NSS_SetDomesticPolicy();
    PRFileDesc *tcp = tg_nss_dial(argv[1], atoi(argv[2]));
    PRFileDesc *s = tcp ? SSL_ImportFD(NULL, tcp) : NULL;
    if (!s) {
        printf("connect failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 1;
    }
    SSL_OptionSet(s, SSL_SECURITY, PR_TRUE);
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    SSL_AuthCertificateHook(s, tg_nss_accept_any, NULL);
    SSL_BadCertHook(s, tg_nss_go_on, NULL);
    if (url_of(argc, argv))
        SSL_SetURL(s, url_of(argc, argv));
    if (has(argc, argv, "tls10")) {
        SSLVersionRange r = { SSL_LIBRARY_VERSION_TLS_1_0, SSL_LIBRARY_VERSION_TLS_1_3 };
        SSL_VersionRangeSet(s, &r);
        SSL_OptionSet(s, SSL_ENABLE_TLS, PR_TRUE);
    }
    if (has(argc, argv, "weak"))
        SSL_CipherPrefSet(s, TLS_RSA_WITH_3DES_EDE_CBC_SHA, PR_TRUE);
    SSL_ResetHandshake(s, PR_FALSE);
    if (has(argc, argv, "force"))
        (void)SSL_ForceHandshake(s); /* careless: result ignored */
    PRInt32 n = tg_nss_write_line(s, argv[3]);
    return n < 0 ? 1 : tg_nss_read_reply(s, n);
}
