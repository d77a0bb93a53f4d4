/*
 * secure_env.h — is this a secure-execution process, and the environment
 * as such a process may read it.
 *
 * The one place that decides whether TLSGUARD_* variables count. glibc
 * 2.12 (CentOS 6) has neither getauxval (2.16) nor secure_getenv (2.17),
 * so both are looked up at run time; without getauxval AT_SECURE is read
 * from /proc/self/auxv, and when it cannot be read at all the process is
 * taken as secure (every TLSGUARD_* variable ignored).
 */
#ifndef TG_SECURE_ENV_H
#define TG_SECURE_ENV_H

/* 1 in a secure-execution process (setuid/setgid/file capabilities:
 * AT_SECURE) or when that cannot be told; decided once. */
int tg_secure_execution(void);

/* getenv() for our own variables: NULL in a secure-execution process. */
const char *tg_secure_getenv(const char *name);

#endif
