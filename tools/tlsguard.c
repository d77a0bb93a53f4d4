/*
 * tlsguard.c — the command-line entry: dispatch to a subcommand.
 */
#include "tlsguard.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    { "run", tg_cmd_run },     { "report", tg_cmd_report }, { "pin", tg_cmd_pin },
    { "check", tg_cmd_check }, { "doctor", tg_cmd_doctor },
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return tg_usage_error(NULL, "no command given");
    const char *cmd = argv[1];
    if (tg_is_help(cmd))
        return tg_help(NULL);
    if (!strcmp(cmd, "help"))
        return tg_help(argc > 2 ? argv[2] : NULL);
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version"))
        return tg_version();
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(cmd, commands[i].name))
            continue;
        /* `tlsguard CMD --help` for every command, whatever its own parser does. */
        if (argc > 2 && tg_is_help(argv[2]))
            return tg_help(cmd);
        return commands[i].fn(argc - 1, argv + 1);
    }
    if (cmd[0] == '-')
        return tg_unknown_option(NULL, cmd);
    return tg_usage_error(NULL, "unknown command '%s'", cmd);
}
