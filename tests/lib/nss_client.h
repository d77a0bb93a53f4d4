/*
 * nss_client.h — what the careless NSS test clients share (tests/nss/
 * careless.c, roads.c, asker.c, hosts.c, tests/dlsym/dl_nss.c,
 * tests/robust/rb_nss_threads.c): the hooks of a
 * program that accepts any certificate, and the end of a connection as the
 * drivers read it. Header-only: those programs are built one file each.
 */
#ifndef TG_NSS_CLIENT_H
#define TG_NSS_CLIENT_H

#include <nspr.h>
#include <nss.h>
#include <ssl.h>

#include <stdio.h>
#include <string.h>

/* An auth-certificate hook that accepts anything (curl-nss with -k). */
static inline SECStatus tg_nss_accept_any(void *arg, PRFileDesc *fd, PRBool sig, PRBool server)
{
    (void)arg, (void)fd, (void)sig, (void)server;
    return SECSuccess;
}

/* A bad-certificate hook that carries on whatever NSS found. */
static inline SECStatus tg_nss_go_on(void *arg, PRFileDesc *fd)
{
    (void)arg, (void)fd;
    return SECSuccess;
}

/* A TCP connection to host:port (an address; "localhost" is the test
 * peer's 127.0.0.1, though Debian maps it to ::1 too). NULL on failure. */
static inline PRFileDesc *tg_nss_dial(const char *host, int port)
{
    PRNetAddr addr;
    PRFileDesc *tcp = PR_NewTCPSocket();
    if (!tcp ||
        PR_StringToNetAddr(strcmp(host, "localhost") ? host : "127.0.0.1", &addr) != PR_SUCCESS)
        return NULL;
    addr.inet.port = PR_htons((PRUint16)port);
    return PR_Connect(tcp, &addr, PR_SecondsToInterval(10)) == PR_SUCCESS ? tcp : NULL;
}

/* Writes text and a newline on s. All of it: its length. Else prints
 * "write failed: NAME: TEXT", closes s and returns -1. */
static inline PRInt32 tg_nss_write_line(PRFileDesc *s, const char *text)
{
    char line[512];
    int len = snprintf(line, sizeof line, "%s\n", text);
    PRInt32 n = PR_Write(s, line, len);
    if (n != len) {
        PRErrorCode e = PR_GetError();
        printf("write failed: %s: %s\n", PR_ErrorToName(e),
               PR_ErrorToString(e, PR_LANGUAGE_I_DEFAULT));
        PR_Close(s);
        return -1;
    }
    return n;
}

/* After a write of n bytes that went through: "wrote N", then what the peer
 * answers within 5 s ("read: ..."); s closed and NSS shut down. 0. */
static inline int tg_nss_read_reply(PRFileDesc *s, PRInt32 n)
{
    char buf[256];
    printf("wrote %d\n", (int)n);
    n = PR_Recv(s, buf, sizeof buf - 1, 0, PR_SecondsToInterval(5));
    if (n > 0) {
        buf[n] = '\0';
        printf("read: %s\n", buf);
    }
    PR_Close(s);
    NSS_Shutdown();
    return 0;
}

#endif
