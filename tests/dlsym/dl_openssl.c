/*
 * dl_openssl.c — a careless client that never links libssl: it dlopen()s
 * it (as Qt's QSslSocket does) and takes every function it calls with
 * dlsym(handle, ...), so none of its calls pass the dynamic linker's
 * global scope, where a preloaded library sits.
 *
 *   dl_openssl LIBSSL HOST PORT MARKER [local|global|dlvsym VERSION]
 *
 * Verification off (SSL_VERIFY_NONE), TLS 1.0 allowed (SECLEVEL=0, min
 * version TLS 1.0), SSL_connect's result ignored, then an HTTP request
 * carrying MARKER written anyway and the reply printed. dlvsym: every
 * function taken with dlvsym(handle, name, VERSION) ("OPENSSL_3.0.0").
 * Exits 0 when the request was written.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef void *(*fn_p)(void);
typedef void *(*fn_pp)(void *);
typedef int (*fn_ip)(void *);
typedef int (*fn_ipi)(void *, int);
typedef int (*fn_ips)(void *, const char *);
typedef long (*fn_lpilp)(void *, int, long, void *);
typedef void (*fn_vpip)(void *, int, void *);
typedef int (*fn_ippi)(void *, const void *, int);
typedef int (*fn_ipii)(void *, void *, int);

static void *lib;
static const char *version; /* dlvsym's, or NULL: dlsym */

static void *sym(const char *name, int required)
{
    void *p = version ? dlvsym(lib, name, version) : dlsym(lib, name);
    if (!p && required) {
        fprintf(stderr, "dl_openssl: no %s: %s\n", name, dlerror());
        exit(2);
    }
    return p;
}

static int tcp(const char *host, int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("dl_openssl: connect");
        exit(2);
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: dl_openssl LIBSSL HOST PORT MARKER [local|global|dlvsym V]\n");
        return 2;
    }
    const char *mode = argc > 5 ? argv[5] : "local";
    if (!strcmp(mode, "dlvsym"))
        version = argc > 6 ? argv[6] : "OPENSSL_3.0.0";
    lib = dlopen(argv[1], RTLD_NOW | (strcmp(mode, "global") ? RTLD_LOCAL : RTLD_GLOBAL));
    if (!lib) {
        fprintf(stderr, "dl_openssl: %s\n", dlerror());
        return 2;
    }
    fn_p method = (fn_p)sym("TLS_client_method", 0);
    if (!method) /* 1.0.x */
        method = (fn_p)sym("SSLv23_client_method", 1);
    fn_ip library_init = (fn_ip)sym("SSL_library_init", 0);
    if (library_init)
        library_init(NULL);
    fn_pp ctx_new = (fn_pp)sym("SSL_CTX_new", 1);
    fn_vpip set_verify = (fn_vpip)sym("SSL_CTX_set_verify", 1);
    fn_lpilp ctx_ctrl = (fn_lpilp)sym("SSL_CTX_ctrl", 1);
    fn_ips set_ciphers = (fn_ips)sym("SSL_CTX_set_cipher_list", 1);
    fn_pp ssl_new = (fn_pp)sym("SSL_new", 1);
    fn_ipi set_fd = (fn_ipi)sym("SSL_set_fd", 1);
    fn_ip ssl_connect = (fn_ip)sym("SSL_connect", 1);
    fn_ippi ssl_write = (fn_ippi)sym("SSL_write", 1);
    fn_ipii ssl_read = (fn_ipii)sym("SSL_read", 1);

    void *ctx = ctx_new(method());
    if (!ctx) {
        fprintf(stderr, "dl_openssl: SSL_CTX_new failed\n");
        return 2;
    }
    set_verify(ctx, 0 /* SSL_VERIFY_NONE */, NULL);
    set_ciphers(ctx, "DEFAULT:@SECLEVEL=0");
    ctx_ctrl(ctx, 123 /* SSL_CTRL_SET_MIN_PROTO_VERSION */, 0x301 /* TLS 1.0 */, NULL);
    void *ssl = ssl_new(ctx);
    set_fd(ssl, tcp(argv[2], atoi(argv[3])));
    int rc = ssl_connect(ssl); /* ignored, as careless programs do */
    printf("SSL_connect: %d\n", rc);
    char req[512];
    int n = snprintf(req, sizeof req, "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[4], argv[2]);
    int w = ssl_write(ssl, req, n);
    printf("SSL_write: %d\n", w);
    char buf[4096];
    int r;
    while ((r = ssl_read(ssl, buf, sizeof buf - 1)) > 0) {
        buf[r] = 0;
        fputs(buf, stdout);
    }
    fflush(stdout);
    return w == n ? 0 : 1;
}
