/*
 * coverage.h — what tlsguard can reach: the one set of coverage rules that
 * the shim's exec notices (shim/libc/exec_env.c) and `tlsguard doctor` share.
 *
 * Pure C: no TLS library, no dlsym, no allocation, no global state.  It lives
 * in policy/ because both binaries already compile policy/ in; it reads no
 * policy file.
 *
 *   - the TLS-library table: which sonames are which TLS library and whether
 *     the shim covers it (its `covered` flag is the one place to flip when a
 *     GnuTLS or NSS backend lands);
 *   - secure execution (setuid, setgid with group-exec, file capabilities):
 *     the dynamic linker then ignores LD_PRELOAD;
 *   - programs no dynamic linker runs (static, static-pie, 32- or 64-bit),
 *     and Go programs (crypto/tls is Go code);
 *   - the judgement over those facts, in one order.
 */
#ifndef TG_COVERAGE_H
#define TG_COVERAGE_H

#include <stddef.h>
#include <sys/types.h>

struct tg_tls_lib {
    const char *prefix;  /* soname prefix, then '\0' or '.' ("libssl.so" != "libssl3.so") */
    const char *library; /* "OpenSSL", "GnuTLS", "NSS" ... */
    int covered;         /* the shim enforces the policy on connections made through it */
    int front_end;       /* a library doing its TLS through `library` (libcurl-gnutls) */
};

/* The table entry for a soname, or NULL when it is no TLS library. */
const struct tg_tls_lib *tg_tls_lib_of(const char *soname);

/* "OpenSSL" (or "OpenSSL or GnuTLS" ...): the covered libraries, for
 * messages, written to buf; returns buf. */
const char *tg_tls_covered_names(char *buf, size_t n);

/* Why ld.so will ignore LD_PRELOAD for a file of this mode: "is setuid",
 * "is setgid" (only with group-exec: without it S_ISGID means mandatory
 * locking and the kernel does not change the gid), "has file capabilities";
 * NULL when none applies. */
const char *tg_secure_exec_reason(mode_t mode, int has_file_caps);

/* The same for a file: stat() and its security.capability attribute. */
const char *tg_secure_exec_reason_of(const char *path);

/* Facts about one program file, read by tg_exec_facts_read() at exec time or
 * filled by doctor from its own reader. */
struct tg_cov_facts {
    int is_elf;
    int has_interp;                   /* PT_INTERP: ld.so runs it */
    int n_needed;                     /* DT_NEEDED entries */
    int has_soname;                   /* DT_SONAME: a shared library */
    int is_go;                        /* Go build-ID note (or build info) */
    const char *secure;               /* tg_secure_exec_reason, or NULL */
    const struct tg_tls_lib *covered; /* first covered TLS library needed */
    const struct tg_tls_lib *other;   /* first uncovered one */
    char other_name[64];              /* its soname */
};

enum tg_cov_verdict {
    TG_COV_NO_TLS, /* no TLS library among the facts: look further */
    TG_COV_COVERED,
    TG_COV_GO,
    TG_COV_STATIC,
    TG_COV_SECURE_EXEC,
    TG_COV_OTHER_LIB,
};

/* Runs without a dynamic linker: no PT_INTERP and nothing to load. */
int tg_cov_is_static(const struct tg_cov_facts *f);

/* The rules in their order: Go, static, secure execution, a covered
 * library, an uncovered one. */
enum tg_cov_verdict tg_cov_judge(const struct tg_cov_facts *f);

/*
 * Read the facts of an executable quickly (a few bounded pread()s of the
 * ELF header, program headers, PT_NOTE and the direct DT_NEEDED names; no
 * allocation: it runs in a possibly vfork'ed child).  `path` is stat'ed
 * and read.  Returns 0, or -1 when it is no regular file or cannot be read.
 */
int tg_exec_facts_read(const char *path, struct tg_cov_facts *f);

/* Why a program about to be exec'd cannot be covered ("is statically linked:
 * LD_PRELOAD cannot reach it", "uses GnuTLS (libgnutls.so.30) ..."), written
 * to why; 0 when it can be (or cannot be told). */
int tg_exec_uncovered_reason(const char *path, char *why, size_t n);

#endif
