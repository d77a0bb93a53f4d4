/*
 * rb_daemon — detach the way daemon(3) does: the child points fds 0, 1 and 2
 * at /dev/null and lives on; the parent exits at once. Whoever reads the
 * parent's stdout/stderr pipes (a shell's $(...), ssh, an init script's
 * caller) sees EOF as soon as the parent is gone — unless someone in the
 * child still holds a copy of the original descriptors.
 *
 *   rb_daemon SECONDS [GOOD_HOST:PORT]
 *
 * With a peer, the parent first makes one good connection (a TLS program
 * that detaches after start-up). The child sleeps SECONDS, then exits.
 */
#include "rb.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char host[256], why[512];
    int port;
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: rb_daemon SECONDS [GOOD_HOST:PORT]\n");
        return 2;
    }
    if (argc == 3) {
        SSL_CTX *ctx = rb_legacy_ctx();
        if (!ctx || rb_parse_peer(argv[2], host, sizeof host, &port) != 0 ||
            rb_connect_once(ctx, host, port, "TLSGUARD-PAYLOAD rb_daemon\n", why, sizeof why) !=
                RB_OK) {
            fprintf(stderr, "rb_daemon: the good connection failed: %s\n", why);
            return 1;
        }
        SSL_CTX_free(ctx);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid > 0)
        return 0;
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        _exit(1);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
    sleep((unsigned)atoi(argv[1]));
    _exit(0);
}
