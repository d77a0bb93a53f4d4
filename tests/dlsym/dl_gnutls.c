/*
 * dl_gnutls.c — a careless GnuTLS client that never links libgnutls: it
 * dlopen()s it and takes every function it calls with dlsym, so none of its
 * calls pass the dynamic linker's global scope, where a preloaded library
 * sits.
 *
 *   dl_gnutls LIBGNUTLS HOST PORT MARKER [local|default|dlvsym VERSION]
 *
 * (HOST: 127.0.0.1, where the drivers' peers listen: tests/lib/loopback.h)
 * local: dlopen RTLD_LOCAL, dlsym(handle, ...); default: dlopen
 * RTLD_GLOBAL, dlsym(RTLD_DEFAULT, ...); dlvsym: dlopen RTLD_LOCAL,
 * dlvsym(handle, ..., VERSION) ("GNUTLS_3_4"). No trust anchors, a
 * credentials verify function that accepts anything, TLS 1.0 allowed,
 * gnutls_handshake's result ignored, then an HTTP request carrying MARKER
 * sent with gnutls_record_send anyway and the reply printed. Exits 0 when
 * the request was sent.
 */
#include "../lib/loopback.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRIORITY "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:%COMPAT"

typedef int (*fn_v)(void);
typedef int (*fn_pp)(void **);
typedef int (*fn_ppi)(void **, unsigned);
typedef void (*fn_set_verify)(void *, int (*)(void *));
typedef int (*fn_prio)(void *, const char *, const char **);
typedef int (*fn_cred)(void *, int, void *);
typedef int (*fn_sni)(void *, int, const void *, size_t);
typedef void (*fn_fd2)(void *, int, int);
typedef int (*fn_p)(void *);
typedef int (*fn_i)(int);
typedef long (*fn_io)(void *, void *, size_t);

static void *lib;
static const char *version; /* dlvsym's, or NULL: dlsym */

static void *sym(const char *name)
{
    void *p = version ? dlvsym(lib, name, version) : dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "dl_gnutls: no %s: %s\n", name, dlerror());
        exit(2);
    }
    return p;
}

static int accept_all(void *session)
{
    (void)session;
    return 0;
}

/* The session to HOST:PORT, its handshake run and its result ignored. */
static void *connect_session(const char *host, int port)
{
    void *cred = NULL, *s = NULL;
    ((fn_v)sym("gnutls_global_init"))();
    ((fn_pp)sym("gnutls_certificate_allocate_credentials"))(&cred);
    ((fn_set_verify)sym("gnutls_certificate_set_verify_function"))(cred, accept_all);
    ((fn_ppi)sym("gnutls_init"))(&s, 2 /* GNUTLS_CLIENT */);
    ((fn_prio)sym("gnutls_priority_set_direct"))(s, PRIORITY, NULL);
    ((fn_cred)sym("gnutls_credentials_set"))(s, 1 /* GNUTLS_CRD_CERTIFICATE */, cred);
    ((fn_sni)sym("gnutls_server_name_set"))(s, 1 /* GNUTLS_NAME_DNS */, "localhost", 9);
    (void)host; /* 127.0.0.1, as every driver's peer */
    int fd = tg_loopback_connect(port);
    if (fd < 0)
        exit(2);
    ((fn_fd2)sym("gnutls_transport_set_int2"))(s, fd, fd);
    fn_p handshake = (fn_p)sym("gnutls_handshake");
    fn_i fatal = (fn_i)sym("gnutls_error_is_fatal");
    int rc;
    do {
        rc = handshake(s);
    } while (rc < 0 && !fatal(rc));
    printf("gnutls_handshake: %d\n", rc); /* ignored, as careless programs do */
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: dl_gnutls LIBGNUTLS HOST PORT MARKER [local|default|dlvsym V]\n");
        return 2;
    }
    const char *mode = argc > 5 ? argv[5] : "local";
    if (!strcmp(mode, "dlvsym"))
        version = argc > 6 ? argv[6] : "GNUTLS_3_4";
    void *h = dlopen(argv[1], RTLD_NOW | (strcmp(mode, "default") ? RTLD_LOCAL : RTLD_GLOBAL));
    if (!h) {
        fprintf(stderr, "dl_gnutls: %s\n", dlerror());
        return 2;
    }
    lib = strcmp(mode, "default") ? h : RTLD_DEFAULT;
    void *s = connect_session(argv[2], atoi(argv[3]));
    char req[512];
    int n = snprintf(req, sizeof req, "GET /%s HTTP/1.0\r\nHost: localhost\r\n\r\n", argv[4]);
    long w = ((fn_io)sym("gnutls_record_send"))(s, req, (size_t)n);
    printf("gnutls_record_send: %ld\n", w);
    fn_io recv = (fn_io)sym("gnutls_record_recv");
    char buf[4096];
    long r;
    while ((r = recv(s, buf, sizeof buf - 1)) > 0) {
        buf[r] = 0;
        fputs(buf, stdout);
    }
    fflush(stdout);
    return w == n ? 0 : 1;
}
