/*
 * cmd_run.c — `tlsguard run`: exec a command with the shim preloaded
 * (prepended to any LD_PRELOAD it already has) and the settings as
 * environment. The command's exit status is ours, since we exec it.
 */
#include "tlsguard.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tg_find_library(char *out, unsigned long n)
{
    char exe[PATH_MAX];
    const char *env = getenv("TLSGUARD_LIB");
    if (env && *env && access(env, R_OK) == 0) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    const char *dir = dirname(exe);
    /* Beside the binary (the build tree), or PREFIX/lib for PREFIX/bin. */
    const char *candidates[] = { "%s/libtlsguard.so", "%s/../lib/libtlsguard.so",
                                 "%s/../lib/tlsguard/libtlsguard.so" };
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, candidates[i], dir);
        char *real = realpath(path, NULL);
        if (real && access(real, R_OK) == 0) {
            snprintf(out, n, "%s", real);
            free(real);
            return 0;
        }
        free(real);
    }
    return -1;
}

int tg_cmd_run(int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
            char *abs = realpath(argv[++i], NULL);
            setenv("TLSGUARD_POLICY", abs ? abs : argv[i], 1);
            free(abs);
        } else if (!strcmp(argv[i], "--audit")) {
            setenv("TLSGUARD_MODE", "audit", 1);
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "tlsguard run: unknown option '%s'\n", argv[i]);
            return 2;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: tlsguard run [--policy FILE] [--audit] -- COMMAND [ARGS...]\n");
        return 2;
    }
    char lib[PATH_MAX];
    if (tg_find_library(lib, sizeof lib) != 0) {
        fprintf(stderr, "tlsguard run: cannot find libtlsguard.so (set TLSGUARD_LIB)\n");
        return 127;
    }
    const char *old = getenv("LD_PRELOAD");
    if (old && *old) {
        size_t need = strlen(lib) + strlen(old) + 2;
        char *both = malloc(need);
        if (!both)
            return 127;
        snprintf(both, need, "%s:%s", lib, old);
        setenv("LD_PRELOAD", both, 1);
        free(both);
    } else {
        setenv("LD_PRELOAD", lib, 1);
    }
    execvp(argv[i], argv + i);
    fprintf(stderr, "tlsguard run: %s: %s\n", argv[i], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
