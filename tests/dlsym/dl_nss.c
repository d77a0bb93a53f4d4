/*
 * dl_nss.c — a careless NSS client that takes the calls deciding its
 * security with dlsym, so none of them passes the dynamic linker's
 * binding of its own references: SSL_ImportFD, SSL_AuthCertificateHook
 * (a hook that accepts anything), SSL_BadCertHook (carry on) and PR_Write.
 *
 *   dl_nss HOST PORT MARKER handle|default|next
 *
 * handle: dlsym on dlopen("libssl3.so") / dlopen("libnspr4.so") handles
 * (RTLD_NOLOAD: the copies it is linked to); default: dlsym(RTLD_DEFAULT);
 * next: dlsym(RTLD_NEXT). No SSL_SetURL; the handshake runs inside the
 * first PR_Write, whose "GET /MARKER" request goes out whatever the peer
 * was. Prints "wrote N" and what the peer answers within 5 s, exit 0; or
 * "write failed: NAME", exit 1.
 */
#include <dlfcn.h>
#include <nspr.h>
#include <nss.h>
#include <prerror.h>
#include <ssl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/nss_client.h"

typedef PRFileDesc *(*import_fn)(PRFileDesc *, PRFileDesc *);
typedef SECStatus (*auth_hook_fn)(PRFileDesc *, SSLAuthCertificate, void *);
typedef SECStatus (*bad_hook_fn)(PRFileDesc *, SSLBadCertHandler, void *);
typedef PRInt32 (*write_fn)(PRFileDesc *, const void *, PRInt32);

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "dl_nss: no %s: %s\n", name, dlerror());
        exit(2);
    }
    return p;
}

int main(int argc, char **argv)
{
    void *ssl = RTLD_DEFAULT, *nspr = RTLD_DEFAULT;
    char req[512];
    if (argc < 5) {
        fprintf(stderr, "usage: dl_nss HOST PORT MARKER handle|default|next\n");
        return 2;
    }
    if (!strcmp(argv[4], "handle")) {
        ssl = dlopen("libssl3.so", RTLD_NOW | RTLD_NOLOAD);
        nspr = dlopen("libnspr4.so", RTLD_NOW | RTLD_NOLOAD);
        if (!ssl || !nspr) {
            fprintf(stderr, "dl_nss: %s\n", dlerror());
            return 2;
        }
    } else if (!strcmp(argv[4], "next")) {
        ssl = nspr = RTLD_NEXT;
    }
    import_fn import = (import_fn)sym(ssl, "SSL_ImportFD");
    auth_hook_fn auth_hook = (auth_hook_fn)sym(ssl, "SSL_AuthCertificateHook");
    bad_hook_fn bad_hook = (bad_hook_fn)sym(ssl, "SSL_BadCertHook");
    write_fn write_to = (write_fn)sym(nspr, "PR_Write");
    NSS_NoDB_Init(NULL);
    NSS_SetDomesticPolicy();
    PRFileDesc *tcp = tg_nss_dial(argv[1], atoi(argv[2]));
    PRFileDesc *s = tcp ? import(NULL, tcp) : NULL;
    if (!s) {
        printf("connect failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 1;
    }
    SSL_OptionSet(s, SSL_SECURITY, PR_TRUE);
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    auth_hook(s, tg_nss_accept_any, NULL);
    bad_hook(s, tg_nss_go_on, NULL);
    SSL_ResetHandshake(s, PR_FALSE);
    int len = snprintf(req, sizeof req, "GET /%s HTTP/1.0\r\n\r\n", argv[3]);
    PRInt32 n = write_to(s, req, len);
    if (n != len) {
        printf("write failed: %s\n", PR_ErrorToName(PR_GetError()));
        PR_Close(s);
        return 1;
    }
    return tg_nss_read_reply(s, n);
}
