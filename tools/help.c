/*
 * help.c — the command line's conventions in one place: `--help` texts
 * (stdout, exit 0, one line per option, a pointer to the man page),
 * `--version`, and usage errors that name the option and point at --help
 * (stderr, exit 2).
 */
#include "tlsguard.h"
#include "report.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#ifndef TG_VERSION
#define TG_VERSION "0.1.0"
#endif

/* The OpenSSL lines the shim serves: keep in step with shim/openssl/ossl.c. */
#define TG_OPENSSL_LINES "1.0.1, 1.0.2 (also as libssl.so.10), 1.1.1, 3.x"

#define SEE_ALSO         "See tlsguard(1) and tlsguard.policy(5).\n"

struct help {
    const char *cmd;
    const char *text;
};

static const struct help helps[] = {
    { "run",
      "usage: tlsguard run [OPTIONS] [--] COMMAND [ARGS...]\n"
      "Run COMMAND, and every process it starts, under the libtlsguard.so shim.\n"
      "\n"
      "  --policy FILE        use the policy FILE (checked first; sets TLSGUARD_POLICY)\n"
      "  --audit              block nothing, log what would be blocked (TLSGUARD_MODE=audit)\n"
      "  --log DEST           log to stderr, syslog, none or an absolute path (TLSGUARD_LOG)\n"
      "  --report[=FORMAT]    when COMMAND ends, print its TLS connections: table (default) or "
      "json\n"
      "  --report-file PATH   write that report to PATH instead of standard error\n"
      "  --fail-on block      exit 3 if any connection of the tree was blocked\n"
      "  --fail-on audit      exit 3 if any was blocked or would have been (action=audit)\n"
      "  -h, --help           show this help\n"
      "\n"
      "Exit status: COMMAND's; 3 when --fail-on trips (COMMAND's status is then printed);\n"
      "126/127 COMMAND or the library cannot be run/found; 2 usage error.\n" SEE_ALSO },
    { "report",
      "usage: tlsguard report [OPTIONS] FILE... | -\n"
      "Summarise the shim's log lines (log files, syslog, journalctl output; - is stdin)\n"
      "as one row per host, port, protocol and verdict, with counts, reasons, programs.\n"
      "\n"
      "  --json               print JSON instead of the table\n"
      "  --fail-on block      exit 3 if any line records a blocked connection\n"
      "  --fail-on audit      exit 3 if any records a blocked or would-be-blocked one\n"
      "  -h, --help           show this help\n"
      "\n"
      "Lines that are not the shim's are skipped and counted, never fatal.\n"
      "e.g. journalctl -t tlsguard -o cat | tlsguard report -\n"
      "Exit status: 0; 1 a file could not be read; 3 --fail-on tripped; 2 usage "
      "error.\n" SEE_ALSO },
    { "pin",
      "usage: tlsguard pin [OPTIONS] HOST[:PORT] | FILE.pem | -\n"
      "Print the sha256/ pins of a server's verified chain, or of a PEM file, as a\n"
      "policy host block ready to paste.\n"
      "\n"
      "  --policy FILE        trust what the shim would: default paths plus FILE's ca-file/\n"
      "                       ca-dir, global and the host's block (default: TLSGUARD_POLICY,\n"
      "                       then /etc/tlsguard.policy if it exists)\n"
      "  --no-policy          use no policy file's anchors\n"
      "  --ca-file FILE       also trust the CA certificates in FILE (PEM)\n"
      "  --servername NAME    send NAME as SNI and check the certificate against it\n"
      "  --insecure-fetch     pin the chain as presented, unverified (with a warning)\n"
      "  -h, --help           show this help\n"
      "\n"
      "Exit status: 0 pins printed; 1 none could be obtained; 2 usage error.\n" SEE_ALSO },
    { "check", "usage: tlsguard check FILE\n"
               "Validate a policy exactly as the shim will read it (ownership and mode too).\n"
               "Errors go to stderr as FILE:LINE: message; warnings (a single pin, a ca-file\n"
               "that cannot be read) to stdout as FILE:LINE: warning: message.\n"
               "\n"
               "  -h, --help           show this help\n"
               "\n"
               "Exit status: 0 valid (warnings allowed); 1 not valid; 2 usage error.\n" SEE_ALSO },
    { "doctor",
      "usage: tlsguard doctor PROGRAM\n"
      "Say whether PROGRAM (a path or a name in PATH) is covered by the shim, and why\n"
      "(not), with the evidence. PROGRAM is not run.\n"
      "\n"
      "  -h, --help           show this help\n"
      "\n"
      "Exit status: 0 covered; 1 not covered; 2 usage error or PROGRAM not found.\n" SEE_ALSO },
};

static const char top_help[] =
    "usage: tlsguard COMMAND [OPTIONS] [ARGS...]\n"
    "Run unmodified OpenSSL programs under a TLS policy; pin, check, diagnose, report.\n"
    "\n"
    "Commands:\n"
    "  run [OPTIONS] -- CMD...     run CMD and all it starts under the shim\n"
    "  report [--json] FILE...|-   summarise the shim's log lines\n"
    "  pin HOST[:PORT] | FILE.pem  print sha256/ pins, ready to paste into a policy\n"
    "  check FILE                  validate a policy file\n"
    "  doctor PROGRAM              is PROGRAM covered by the shim, and why (not)\n"
    "  help [COMMAND]              this help, or a command's\n"
    "\n"
    "Options:\n"
    "  -h, --help                  show this help (tlsguard COMMAND --help: the command's)\n"
    "  -V, --version               show the version and the OpenSSL versions supported\n"
    "\n" SEE_ALSO;

int tg_is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int tg_help(const char *cmd)
{
    for (size_t i = 0; cmd && i < sizeof helps / sizeof *helps; i++) {
        if (!strcmp(helps[i].cmd, cmd)) {
            fputs(helps[i].text, stdout);
            return 0;
        }
    }
    if (cmd) {
        fprintf(stderr, "tlsguard help: no command '%s'\nTry 'tlsguard --help'.\n", cmd);
        return 2;
    }
    fputs(top_help, stdout);
    return 0;
}

int tg_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tlsguard%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'tlsguard%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return 2;
}

int tg_unknown_option(const char *cmd, const char *opt)
{
    return tg_usage_error(cmd, "unknown option '%s'", opt);
}

const char *tg_opt_value(int argc, char **argv, int *i, const char *name, int *err)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *err = 0;
    if (strncmp(a, name, n))
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n])
        return NULL;
    /* "--" ends the options: it is never an option's value. */
    if (*i + 1 >= argc || !strcmp(argv[*i + 1], "--")) {
        *err = 1;
        return NULL;
    }
    return argv[++*i];
}

int tg_version(void)
{
    char lib[PATH_MAX];
    printf("tlsguard %s\n", TG_VERSION);
    printf("shim: libtlsguard.so serves programs on OpenSSL %s\n", TG_OPENSSL_LINES);
    printf("      (their own libssl, found at run time)\n");
    printf("library: %s\n", tg_find_library(lib, sizeof lib) == 0 ? lib : "not found");
    /* `pin` is this binary's own TLS client. */
    printf("command: built with %s, running with %s\n", OPENSSL_VERSION_TEXT,
           OpenSSL_version(OPENSSL_VERSION));
    return 0;
}
