/*
 * rb_ctor_lib.c — a shared library whose constructor uses OpenSSL: it makes
 * a context and connects to RB_GOOD and RB_BAD (HOST:PORT, from the
 * environment) before main and before the preloaded shim's own constructor
 * has run (ld.so initialises the search list back to front, and a preload
 * sits at its front: `LD_DEBUG=init rb_ctor` shows this library's init
 * first). The results wait for rb_ctor's main to report them.
 */
#include "rb.h"

#include <stdio.h>
#include <stdlib.h>

int rb_ctor_lib_good = -1, rb_ctor_lib_bad = -1;
char rb_ctor_lib_why[600];

/* Used by both constructors (the library's and the program's). */
void rb_ctor_connect(int *good, int *bad, char *why, size_t n)
{
    char host[256], w[512];
    int port;
    const char *g = getenv("RB_GOOD"), *b = getenv("RB_BAD");
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    why[0] = '\0';
    if (!g || !b || !ctx) {
        snprintf(why, n, "RB_GOOD/RB_BAD unset or SSL_CTX_new failed");
        SSL_CTX_free(ctx);
        return;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    if (rb_parse_peer(g, host, sizeof host, &port) == 0) {
        enum rb_result r =
            rb_connect_once(ctx, host, port, "TLSGUARD-PAYLOAD rb_ctor\n", w, sizeof w);
        *good = r == RB_OK;
        if (!*good)
            snprintf(why, n, "good peer: %s: %.400s", rb_result_name(r), w);
    }
    if (rb_parse_peer(b, host, sizeof host, &port) == 0) {
        enum rb_result r =
            rb_connect_once(ctx, host, port, "TLSGUARD-PAYLOAD rb_ctor\n", w, sizeof w);
        *bad = r == RB_BLOCKED;
        if (!*bad && !why[0])
            snprintf(why, n, "bad peer: %s: %.400s", rb_result_name(r), w);
    }
    SSL_CTX_free(ctx);
}

__attribute__((constructor)) static void lib_ctor(void)
{
    rb_ctor_connect(&rb_ctor_lib_good, &rb_ctor_lib_bad, rb_ctor_lib_why, sizeof rb_ctor_lib_why);
}
