/*
 * tlsguard.h — the `tlsguard` command's subcommands and shared helpers.
 */
#ifndef TG_TOOL_H
#define TG_TOOL_H

int tg_cmd_run(int argc, char **argv);
int tg_cmd_pin(int argc, char **argv);
int tg_cmd_doctor(int argc, char **argv);
int tg_cmd_check(int argc, char **argv);
int tg_cmd_report(int argc, char **argv);
/* The path of libtlsguard.so that belongs with this tlsguard binary. */
int tg_find_library(char *out, unsigned long n);

/* help.c: --help/-h? */
int tg_is_help(const char *arg);
/* Print the help of cmd (NULL: of tlsguard) to stdout: 0; unknown cmd: 2. */
int tg_help(const char *cmd);
/* "tlsguard CMD: <message>" and "Try 'tlsguard CMD --help'." on stderr; returns 2. */
int tg_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "tlsguard CMD: unknown option 'OPT'" and the pointer to --help; returns 2. */
int tg_unknown_option(const char *cmd, const char *opt);
/* The value of option `name` at argv[*i], as "--name VALUE" (advancing *i) or
 * "--name=VALUE"; NULL if argv[*i] is another option, or (with *err set) if
 * the value is missing. */
const char *tg_opt_value(int argc, char **argv, int *i, const char *name, int *err);
/* cmd_check.c: the policy at `path` as the shim would load it; NULL after
 * printing each error as "tlsguard CMD: file:line: message". */
struct tg_policy;
struct tg_policy *tg_tool_load_policy(const char *cmd, const char *path);
/* --version: ours, the OpenSSL lines the shim serves, the library found. */
int tg_version(void);

#endif
