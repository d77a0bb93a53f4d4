/*
 * tlsguard.c — the command-line entry: dispatch to a subcommand.
 */
#include "tlsguard.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: tlsguard run [--policy FILE] [--audit] [--log DEST] [--report] -- COMMAND [ARGS...]\n"
          "       tlsguard pin FILE.pem | HOST[:PORT] [--insecure-fetch] [--servername NAME]\n"
          "       tlsguard check FILE\n"
          "       tlsguard doctor PROGRAM\n"
          "       tlsguard help\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "run"))
        return tg_cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "pin"))
        return tg_cmd_pin(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check"))
        return tg_cmd_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "doctor"))
        return tg_cmd_doctor(argc - 1, argv + 1);
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "tlsguard: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
