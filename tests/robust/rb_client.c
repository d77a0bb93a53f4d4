/*
 * rb_client — N connections of a legacy client, each of which must end as
 * expected; for valgrind, the ASan leak run and the stderr cases.
 *
 *   rb_client HOST:PORT ok|blocked N [--ctx-every K] [--stderr-closed FILE]
 *
 *   --ctx-every K     a new SSL_CTX every K connections (default 100)
 *   --stderr-closed F close fd 2 first, then open F (which takes fd 2, as a
 *                     program's next file would): the shim must write nothing
 *                     into it
 *
 * Prints "N ok, N blocked, N error"; exit 0 when every connection ended as
 * expected, 1 otherwise, 2 on a usage or setup error.
 */
#include "rb.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr,
            "usage: rb_client HOST:PORT ok|blocked N [--ctx-every K] [--stderr-closed FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    char host[256], why[512];
    int port, n, every = 100, counts[3] = { 0, 0, 0 };
    const char *scratch = NULL;
    if (argc < 4 || rb_parse_peer(argv[1], host, sizeof host, &port) != 0)
        usage();
    enum rb_result want = !strcmp(argv[2], "ok")        ? RB_OK
                          : !strcmp(argv[2], "blocked") ? RB_BLOCKED
                                                        : RB_ERROR;
    if (want == RB_ERROR || (n = atoi(argv[3])) <= 0)
        usage();
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--ctx-every") && i + 1 < argc)
            every = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--stderr-closed") && i + 1 < argc)
            scratch = argv[++i];
        else
            usage();
    }
    if (every <= 0)
        usage();
    if (scratch) {
        close(2);
        int fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd != 2) {
            printf("scratch file took fd %d, not 2\n", fd);
            return 2;
        }
    }
    SSL_CTX *ctx = NULL;
    double t0 = rb_now();
    for (int i = 0; i < n; i++) {
        if (i % every == 0) {
            SSL_CTX_free(ctx);
            if (!(ctx = rb_legacy_ctx())) {
                printf("SSL_CTX_new failed\n");
                return 2;
            }
        }
        enum rb_result r =
            rb_connect_once(ctx, host, port, "TLSGUARD-PAYLOAD rb_client\n", why, sizeof why);
        counts[r]++;
        if (r != want && counts[r] <= 3)
            printf("connection %d: %s, wanted %s: %s\n", i, rb_result_name(r), rb_result_name(want),
                   why);
    }
    SSL_CTX_free(ctx);
    printf("%d ok, %d blocked, %d error in %.2fs\n", counts[RB_OK], counts[RB_BLOCKED],
           counts[RB_ERROR], rb_now() - t0);
    return counts[want] == n ? 0 : 1;
}
