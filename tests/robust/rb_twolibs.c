/*
 * rb_twolibs — a program with two libssl copies: it is linked with one
 * (built against 1.1.1 here) and, like a plugin host, dlopens the other
 * (libssl.so.3) RTLD_LOCAL before making its own connections. Every call the
 * program makes must still reach the copy it was linked with: good peer
 * passes, bad peer blocked, no crash.
 *
 *   rb_twolibs OTHER_LIBSSL GOOD_HOST:PORT BAD_HOST:PORT
 */
#include "rb.h"

#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char host[256], why[512];
    int port, failed = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: rb_twolibs OTHER_LIBSSL GOOD_HOST:PORT BAD_HOST:PORT\n");
        return 2;
    }
    void *other = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!other) {
        printf("cannot load %s: %s\n", argv[1], dlerror());
        return 2;
    }
    printf("linked with %s, also loaded %s\n", OpenSSL_version(OPENSSL_VERSION), argv[1]);
    fflush(stdout);
    SSL_CTX *ctx = rb_legacy_ctx();
    if (!ctx) {
        printf("SSL_CTX_new failed\n");
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        if (rb_parse_peer(argv[2 + i], host, sizeof host, &port) != 0)
            return 2;
        enum rb_result want = i == 0 ? RB_OK : RB_BLOCKED;
        enum rb_result r =
            rb_connect_once(ctx, host, port, "TLSGUARD-PAYLOAD rb_twolibs\n", why, sizeof why);
        printf("%s %s peer: %s%s%s\n", r == want ? "ok  " : "FAIL", i == 0 ? "good" : "bad",
               rb_result_name(r), r == want ? "" : ": ", r == want ? "" : why);
        failed += r != want;
    }
    SSL_CTX_free(ctx);
    printf("%d passed, %d failed\n", 2 - failed, failed);
    return failed ? 1 : 0;
}
