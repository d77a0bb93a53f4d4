/*
 * exec_env.h — the environment that keeps a child covered, and the check
 * that says when a child cannot be.
 */
#ifndef TG_EXEC_ENV_H
#define TG_EXEC_ENV_H

#include <stddef.h>

#define TG_EXEC_ENV_BUF 8192 /* room for the rewritten LD_PRELOAD=... */

/* Remember this library's path and the TLSGUARD_* settings in force; once,
 * from settings init. Does nothing in a secure-execution process. */
void tg_exec_env_capture(void);

/* Slots the covered copy of `envp` needs (entries, additions, NULL). */
size_t tg_exec_env_size(char *const *envp);

/* `envp` with LD_PRELOAD naming this library and the TLSGUARD_* settings
 * added where missing, built in `slots` (n from tg_exec_env_size) and `buf`;
 * `envp` itself when nothing needs adding or it cannot be done. */
char *const *tg_exec_env_build(char *const *envp, char **slots, size_t n, char *buf, size_t buflen);

/* Log a notice when the program about to be executed cannot be covered
 * (setuid/setgid, file capabilities, statically linked, Go, a TLS library
 * the shim does not cover such as GnuTLS or NSS). `search`: look
 * `file` up in PATH as execvp does. */
void tg_exec_check_target(const char *file, int search);

#endif
