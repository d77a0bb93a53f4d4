/*
 * secure_env.c — AT_SECURE and the environment, loadable on glibc 2.12.
 *
 * getauxval and secure_getenv are never linked (they would make the library
 * need GLIBC_2.16/2.17, and ld.so on CentOS 6 would then refuse to start
 * the program): they are looked up in the loaded libc at run time.  Where
 * getauxval is missing, /proc/self/auxv says what the kernel passed; where
 * neither answers (no /proc, or a non-dumpable process that may not read
 * it) the process counts as secure, so a variable can never widen what a
 * privileged program does.
 *
 * Test builds: -DTG_TEST_WITHOUT='"getauxval secure_getenv __secure_getenv
 * /proc/self/auxv"' (any of them) hides those, as on an old libc or a host
 * without /proc; -DTG_TEST_SECURE_TRACE writes the decision to stderr
 * (tests/install/test_secure_env.py).
 */
#include "secure_env.h"
#include "dl_entry.h"
#include "once.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AUXV_PATH "/proc/self/auxv"

typedef unsigned long (*getauxval_fn)(unsigned long type);
typedef char *(*getenv_fn)(const char *name);

static tg_once_t decide_once = TG_ONCE_INIT;
static int secure = 1;
static getenv_fn env_lookup;
static const char *env_name = "getenv";

#ifdef TG_TEST_WITHOUT
static int test_hides(const char *name)
{
    char word[64];
    snprintf(word, sizeof word, " %s ", name);
    return strstr(" " TG_TEST_WITHOUT " ", word) != NULL;
}
#else
static int test_hides(const char *name)
{
    (void)name;
    return 0;
}
#endif

/* `name` in the loaded libc: its default version, read from libc's own
 * symbol table (shim/libc/dl_entry.c; dlsym cost ~3.6 k instructions a
 * look-up at every program's start), or `version` when given (dlvsym);
 * NULL where libc has none. */
static void *libc_function(const char *name, const char *version)
{
    if (test_hides(name))
        return NULL;
    return version ? dlvsym(RTLD_DEFAULT, name, version) : tg_libc_function(name);
}

/* AT_SECURE through getauxval: 0 or 1, -1 when it cannot answer (missing
 * function, or glibc >= 2.19 saying ENOENT: the kernel did not pass it). */
static int secure_from_getauxval(void)
{
    getauxval_fn fn;
    *(void **)&fn = libc_function("getauxval", NULL);
    if (!fn)
        return -1;
    errno = 0;
    unsigned long v = fn(AT_SECURE);
    if (v == 0 && errno == ENOENT)
        return -1;
    return v != 0;
}

/* Scan (type, value) pairs for AT_SECURE; -1 when not among them. */
static int find_at_secure(const unsigned long *pairs, size_t n)
{
    for (size_t i = 0; i + 1 < n && pairs[i] != AT_NULL; i += 2)
        if (pairs[i] == AT_SECURE)
            return pairs[i + 1] != 0;
    return -1;
}

/* AT_SECURE from the auxiliary vector the kernel exposes: 0 or 1, -1 when
 * the file cannot be read (no /proc; a setgid process may not read it). */
static int secure_from_proc(void)
{
    unsigned long pairs[256]; /* the kernel passes a few dozen entries */
    size_t got = 0;
    ssize_t r;
    int fd = test_hides(AUXV_PATH) ? -1 : open(AUXV_PATH, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    do {
        r = read(fd, (char *)pairs + got, sizeof pairs - got);
        if (r > 0)
            got += (size_t)r;
    } while ((r > 0 && got < sizeof pairs) || (r < 0 && errno == EINTR));
    close(fd);
    return r < 0 ? -1 : find_at_secure(pairs, got / sizeof pairs[0]);
}

#ifdef TG_TEST_SECURE_TRACE
static void trace(const char *source)
{
    char line[160];
    int n = snprintf(line, sizeof line, "tlsguard-test: secure=%d from=%s env=%s\n", secure, source,
                     env_name);
    if (n > 0 && write(2, line, (size_t)n) < 0)
        return;
}
#else
static void trace(const char *source)
{
    (void)source;
}
#endif

/* glibc's own verdict as well, where it has one: on a kernel without
 * AT_SECURE old glibc compared the real and effective ids instead. */
static void pick_getenv(void)
{
    static const char *const names[][2] = {
        { "secure_getenv", NULL },
        /* glibc < 2.17's name, kept since as a compatibility symbol (which
         * only a versioned lookup finds; x86_64's version name). */
        { "__secure_getenv", "GLIBC_2.2.5" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !env_lookup; i++) {
        *(void **)&env_lookup = libc_function(names[i][0], names[i][1]);
        env_name = names[i][0];
    }
    if (!env_lookup) {
        env_lookup = getenv;
        env_name = "getenv";
    }
}

static void decide(void)
{
    const char *source = "getauxval";
    int v = secure_from_getauxval();
    if (v < 0) {
        source = AUXV_PATH;
        v = secure_from_proc();
    }
    if (v < 0)
        source = "nothing (taken as secure)";
    secure = v != 0; /* unknown counts as secure */
    pick_getenv();
    trace(source);
}

int tg_secure_execution(void)
{
    tg_once(&decide_once, decide);
    return secure;
}

const char *tg_secure_getenv(const char *name)
{
    return tg_secure_execution() ? NULL : env_lookup(name);
}
