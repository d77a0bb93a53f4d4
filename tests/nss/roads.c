/*
 * roads.c — a careless NSS client that takes one road to the wire around
 * the usual SSL_ImportFD + hooks + PR_Write (tests/nss/roads.py).
 *
 *   roads ROAD HOST PORT MARKER
 *
 * Every road turns verification off with hooks that accept anything
 * (tg_nss_accept_any, tg_nss_go_on of tests/lib/nss_client.h) and ignores
 * every handshake result; HOST is also the URL. Roads:
 *   model      the hooks, TLS 1.0, 3DES and the session cache on a model
 *              socket; the connection imported from it, nothing set on it
 *   defaults   the same through SSL_OptionSetDefault & co (the hooks on the
 *              socket), no model
 *   reconfig   SSL_ReconfigFD(careless model, socket) after the import
 *   falsestart TLS 1.2 with False Start allowed (data before the server's
 *              Finished)
 *   strict     SSL_ReconfigFD from a model whose own hooks refuse every
 *              certificate: the program's stricter check, which must hold
 *   rehandshake a handshake, SSL_ReHandshake, then the write
 *   timeout    SSL_ForceHandshakeWithTimeout, then the write
 *   writev / send / transmitfile / sendfile   that call on the SSL socket
 *              (the handshake inside it; NSS has no PR_SendTo on it)
 *   guard      a handshake, then PR_Write on the layer just under NSS's
 *              (plaintext; the shim's guard layer there when preloaded)
 *   methods    a handshake, then the SSL layer's write method called
 *              directly
 *   lower      a handshake, then PR_Write on the bottom (NSPR) layer:
 *              plaintext beneath TLS
 *   native     a handshake, then write(2) on the socket's own descriptor
 *   dtls       DTLS over UDP (DTLS_ImportFD), DTLS 1.0 allowed, NSS's own
 *              check overridden by a bad-certificate hook
 * Exit 0 when the write went through ("wrote N"), else 1.
 */
#include <nspr.h>
#include <nss.h>
#include <prerror.h>
#include <private/pprio.h>
#include <ssl.h>
#include <sslerr.h>
#include <sslproto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/nss_client.h"
#include <unistd.h>

/* A program's own stricter check: it refuses every certificate. */
static SECStatus refuse_all(void *arg, PRFileDesc *fd, PRBool sig, PRBool server)
{
    (void)arg, (void)fd, (void)sig, (void)server;
    PORT_SetError(SSL_ERROR_BAD_CERTIFICATE);
    return SECFailure;
}

static SECStatus refuse_bad(void *arg, PRFileDesc *fd)
{
    (void)arg, (void)fd;
    return SECFailure;
}

static SECStatus may_false_start(PRFileDesc *fd, void *arg, PRBool *can)
{
    (void)fd, (void)arg;
    *can = PR_TRUE;
    return SECSuccess;
}

static const SSLVersionRange old_range = { SSL_LIBRARY_VERSION_TLS_1_0,
                                           SSL_LIBRARY_VERSION_TLS_1_3 };

static void accept_hooks(PRFileDesc *s)
{
    SSL_OptionSet(s, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
    SSL_AuthCertificateHook(s, tg_nss_accept_any, NULL);
    SSL_BadCertHook(s, tg_nss_go_on, NULL);
}

static void careless(PRFileDesc *s)
{
    accept_hooks(s);
    SSL_VersionRangeSet(s, &old_range);
    SSL_OptionSet(s, SSL_NO_CACHE, PR_FALSE);
    SSL_CipherPrefSet(s, TLS_RSA_WITH_3DES_EDE_CBC_SHA, PR_TRUE);
}

static void careless_defaults(void)
{
    SSL_OptionSetDefault(SSL_ENABLE_TLS, PR_TRUE);
    SSL_VersionRangeSetDefault(ssl_variant_stream, &old_range);
    SSL_OptionSetDefault(SSL_NO_CACHE, PR_FALSE);
    SSL_CipherPrefSetDefault(TLS_RSA_WITH_3DES_EDE_CBC_SHA, PR_TRUE);
}

static PRFileDesc *careless_model(void)
{
    PRFileDesc *m = SSL_ImportFD(NULL, PR_NewTCPSocket());
    if (m)
        careless(m);
    return m;
}

static PRFileDesc *open_to(const char *road, const char *host, int port, PRNetAddr *addr)
{
    PRFileDesc *tcp = strcmp(road, "dtls") ? PR_NewTCPSocket() : PR_NewUDPSocket();
    if (PR_StringToNetAddr(strcmp(host, "localhost") ? host : "127.0.0.1", addr) != PR_SUCCESS)
        return NULL;
    addr->inet.port = PR_htons((PRUint16)port);
    if (PR_Connect(tcp, addr, PR_SecondsToInterval(10)) != PR_SUCCESS)
        return NULL;
    return tcp;
}

/* The socket for `road`, its hooks and settings as the road makes them. */
static PRFileDesc *import(const char *road, PRFileDesc *tcp)
{
    PRFileDesc *s;
    if (!strcmp(road, "model"))
        return SSL_ImportFD(careless_model(), tcp);
    if (!strcmp(road, "defaults")) {
        careless_defaults();
        s = SSL_ImportFD(NULL, tcp);
        if (s)
            accept_hooks(s);
        return s;
    }
    if (!strcmp(road, "dtls")) {
        static const SSLVersionRange dtls = { SSL_LIBRARY_VERSION_DTLS_1_0,
                                              SSL_LIBRARY_VERSION_DTLS_1_3 };
        s = DTLS_ImportFD(NULL, tcp);
        if (s) {
            SSL_BadCertHook(s, tg_nss_go_on, NULL); /* NSS checks, the program overrides */
            SSL_VersionRangeSet(s, &dtls);
        }
        return s;
    }
    s = SSL_ImportFD(NULL, tcp);
    if (s)
        careless(s);
    if (s && !strcmp(road, "reconfig"))
        return SSL_ReconfigFD(careless_model(), s);
    if (s && !strcmp(road, "falsestart")) {
        SSLVersionRange tls12 = { SSL_LIBRARY_VERSION_TLS_1_2, SSL_LIBRARY_VERSION_TLS_1_2 };
        SSL_VersionRangeSet(s, &tls12);
        SSL_OptionSet(s, SSL_ENABLE_FALSE_START, PR_TRUE);
        SSL_SetCanFalseStartCallback(s, may_false_start, NULL);
    }
    if (s && !strcmp(road, "strict")) {
        PRFileDesc *m = SSL_ImportFD(NULL, PR_NewTCPSocket());
        SSL_AuthCertificateHook(m, refuse_all, NULL);
        SSL_BadCertHook(m, refuse_bad, NULL);
        return SSL_ReconfigFD(m, s);
    }
    return s;
}

static PRFileDesc *file_of(const char *marker)
{
    char path[] = "/tmp/tg-roads-XXXXXX";
    int fd = mkstemp(path);
    PRFileDesc *f;
    if (fd < 0)
        return NULL;
    if (write(fd, marker, strlen(marker)) < 0)
        perror("write");
    close(fd);
    f = PR_Open(path, PR_RDONLY, 0);
    unlink(path);
    return f;
}

/* A handshake whose result the program ignores. */
static void handshake(PRFileDesc *s)
{
    (void)SSL_ForceHandshake(s);
}

static PRInt32 write_by(const char *road, PRFileDesc *s, const char *line)
{
    PRInt32 len = (PRInt32)strlen(line);
    PRIntervalTime t = PR_SecondsToInterval(5);
    if (!strcmp(road, "writev")) {
        PRIOVec v[2] = { { (char *)line, 1 }, { (char *)line + 1, len - 1 } };
        return PR_Writev(s, v, 2, t);
    }
    if (!strcmp(road, "send"))
        return PR_Send(s, line, len, 0, t);
    if (!strcmp(road, "transmitfile") || !strcmp(road, "sendfile")) {
        PRFileDesc *f = file_of(line);
        PRSendFileData sf = { f, 0, 0, NULL, 0, NULL, 0 };
        PRInt32 n = !f                          ? -1
                    : !strcmp(road, "sendfile") ? PR_SendFile(s, &sf, PR_TRANSMITFILE_KEEP_OPEN, t)
                                                : PR_TransmitFile(s, f, NULL, 0, 0, t);
        if (f)
            PR_Close(f);
        return n;
    }
    if (!strcmp(road, "rehandshake")) {
        handshake(s);
        SSL_ReHandshake(s, PR_TRUE);
    } else if (!strcmp(road, "timeout")) {
        (void)SSL_ForceHandshakeWithTimeout(s, t);
    } else if (!strcmp(road, "guard") || !strcmp(road, "methods") || !strcmp(road, "lower") ||
               !strcmp(road, "native")) {
        handshake(s);
        if (!strcmp(road, "guard"))
            return PR_Write(s->lower, line, len);
        if (!strcmp(road, "methods"))
            return s->methods->write(s, line, len);
        if (!strcmp(road, "native"))
            return (PRInt32)write(PR_FileDesc2NativeHandle(s), line, (size_t)len);
        return PR_Write(PR_GetIdentitiesLayer(s, PR_NSPR_IO_LAYER), line, len);
    }
    return PR_Write(s, line, len);
}

int main(int argc, char **argv)
{
    char line[512];
    PRNetAddr addr;
    if (argc < 5) {
        fprintf(stderr, "usage: roads ROAD HOST PORT MARKER\n");
        return 2;
    }
    NSS_NoDB_Init(NULL);
    NSS_SetDomesticPolicy();
    PRFileDesc *tcp = open_to(argv[1], argv[2], atoi(argv[3]), &addr);
    PRFileDesc *s = tcp ? import(argv[1], tcp) : NULL;
    if (!s) {
        printf("connect failed: %s\n", PR_ErrorToName(PR_GetError()));
        return 1;
    }
    SSL_SetURL(s, argv[2]);
    SSL_ResetHandshake(s, PR_FALSE);
    snprintf(line, sizeof line, "%s\n", argv[4]);
    PRInt32 n = write_by(argv[1], s, line);
    if (n != (PRInt32)strlen(line)) {
        PRErrorCode e = PR_GetError();
        printf("write failed (%d): %s: %s\n", (int)n, PR_ErrorToName(e),
               PR_ErrorToString(e, PR_LANGUAGE_I_DEFAULT));
        PR_Close(s);
        return 1;
    }
    return tg_nss_read_reply(s, n);
}
