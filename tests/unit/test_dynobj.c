/*
 * test_dynobj.c — the shim's own symbol lookup (shim/core/dynobj.c)
 * finds what dlsym finds: every name of the shim's OpenSSL table in each
 * libssl copy this machine has (the system's, and those of
 * $TLSGUARD_TEST_CACHE: 1.1.1, 1.0.2u, 1.0.2u as libssl.so.10, 1.0.1e),
 * and versioned libc names through both hash tables (GNU and SysV).
 * Each copy is loaded in a child of its own (two copies share a soname).
 */
#include "dynobj.h"
#include "ossl.h"
#include "symhash.h"
#include "unit.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define TG_SYM_NAME(kind, ret, name, args) #name,
static const char *const ossl_names[] = { TG_OSSL_SYMBOLS(TG_SYM_NAME) "SSL_no_such_function" };
#undef TG_SYM_NAME

/* Each name of the table with the hash tg_ossl_resolve looks it up by,
 * folded at build time (symhash.h). */
#define TG_SYM_HASHED(kind, ret, name, args) { #name, TG_GNU_HASH(#name) },
static const struct {
    const char *name;
    uint32_t hash;
} ossl_hashed[] = { TG_OSSL_SYMBOLS(TG_SYM_HASHED){ "", TG_GNU_HASH("") },
                    { "SSL_no_such_function", TG_GNU_HASH("SSL_no_such_function") },
                    { "a_name_of_exactly_forty_eight_characters_1234567",
                      TG_GNU_HASH("a_name_of_exactly_forty_eight_characters_1234567") } };
#undef TG_SYM_HASHED

/* ld.so's GNU hash, the plain loop. */
static uint32_t gnu_hash(const char *name)
{
    uint32_t h = 5381;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = h * 33 + *c;
    return h;
}

static void check_folded_hashes(void)
{
    for (size_t i = 0; i < sizeof ossl_hashed / sizeof *ossl_hashed; i++)
        CHECK(ossl_hashed[i].hash == gnu_hash(ossl_hashed[i].name), ossl_hashed[i].name);
}

/* In libc: several versions of one name (posix_spawn, realpath,
 * pthread_cond_wait), compat-only ones (pthread_once's old version beside
 * its 2.34 default), IFUNCs (memcpy, strlen) and absent names. */
static const char *const libc_names[] = {
    "malloc",
    "connect",
    "getaddrinfo",
    "posix_spawn",
    "realpath",
    "pthread_cond_wait",
    "pthread_once",
    "dlsym",
    "memcpy",
    "strlen",
    "execve",
    "environ",
    "no_such_libc_name",
};

/* `name` in `s` (no dlsym fallback) against dlsym(handle). */
static void same_as_dlsym(const struct tg_symscope *s, void *handle, const char *name,
                          const char *lib)
{
    struct tg_symscope own = *s;
    char ctx[512];
    own.handle = NULL;
    snprintf(ctx, sizeof ctx, "%s in %s", name, lib);
    CHECK(tg_symscope_find(&own, name) == dlsym(handle, name), ctx);
}

static void check_libssl(const char *crypto_path, const char *ssl_path)
{
    struct tg_dynobj o;
    struct tg_symscope s;
    if (crypto_path && !dlopen(crypto_path, RTLD_NOW | RTLD_LOCAL)) {
        CHECK(0, dlerror());
        return;
    }
    void *h = dlopen(ssl_path, RTLD_NOW | RTLD_LOCAL);
    if (!CHECK(h != NULL, ssl_path))
        return;
    void *fn = dlsym(h, "SSL_get_SSL_CTX");
    CHECK(fn && tg_dynobj_at(fn, &o), ssl_path);
    tg_symscope_init(&s, h, &o);
    CHECK(s.complete && s.n >= 2, ssl_path); /* libssl and its libcrypto at least */
    for (size_t i = 0; i < sizeof ossl_names / sizeof *ossl_names; i++)
        same_as_dlsym(&s, h, ossl_names[i], ssl_path);
}

/* libc's names through one hash table: GNU, or SysV with the GNU one
 * hidden. IFUNCs may say "cannot tell" (-1), never a wrong address. */
static void check_libc(int sysv)
{
    struct tg_dynobj o;
    struct tg_dyntables t;
    void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void *fn = dlsym(h, "malloc");
    if (!CHECK(fn && tg_dynobj_at(fn, &o) && tg_dynobj_tables(&o, &t), "libc tables"))
        return;
    if (sysv) {
        if (!t.sysv) {
            printf("skip: this libc has no SysV hash table\n");
            return;
        }
        t.gnu = NULL;
    }
    for (size_t i = 0; i < sizeof libc_names / sizeof *libc_names; i++) {
        void *own = NULL, *ref = dlsym(h, libc_names[i]);
        int m = tg_dynobj_sym(&t, libc_names[i], &own);
        char ctx[256];
        snprintf(ctx, sizeof ctx, "%s (%s hash): %d", libc_names[i], sysv ? "SysV" : "GNU", m);
        if (m == 1)
            CHECK(own == ref, ctx);
        else if (m == 0)
            CHECK(!ref || (uintptr_t)ref < o.lo || (uintptr_t)ref >= o.hi, ctx);
    }
    CHECK(tg_dynobj_needs(&o, "ld-linux-x86-64.so.2") != 0, "libc needs ld.so");
    CHECK(tg_dynobj_needs(&o, "libssl.so.3") == 0, "libc does not need libssl");
}

/* Run `check` in a child; its counts come back as the exit status. */
static void in_child(const char *crypto_path, const char *ssl_path)
{
    if (access(ssl_path, R_OK) != 0 && strchr(ssl_path, '/')) {
        printf("skip: %s not found\n", ssl_path);
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        unit_passed = unit_failed = 0;
        check_libssl(crypto_path, ssl_path);
        printf("%s: %d passed, %d failed\n", ssl_path, unit_passed, unit_failed);
        fflush(stdout);
        _exit(unit_failed ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, ssl_path);
}

int main(void)
{
    const char *cache = getenv("TLSGUARD_TEST_CACHE");
    static const char *const cached[][2] = {
        { "openssl11/root/usr/lib/x86_64-linux-gnu/libcrypto.so.1.1",
          "openssl11/root/usr/lib/x86_64-linux-gnu/libssl.so.1.1" },
        { "openssl-1.0.2u/lib/libcrypto.so.1.0.0", "openssl-1.0.2u/lib/libssl.so.1.0.0" },
        { "openssl-1.0.2u-so10/lib/libcrypto.so.10", "openssl-1.0.2u-so10/lib/libssl.so.10" },
        { "openssl-1.0.1e/lib/libcrypto.so.1.0.0", "openssl-1.0.1e/lib/libssl.so.1.0.0" },
    };
    check_folded_hashes();
    check_libc(0);
    check_libc(1);
    in_child(NULL, "libssl.so.3");
    for (size_t i = 0; cache && i < sizeof cached / sizeof *cached; i++) {
        char crypto[1024], ssl[1024];
        snprintf(crypto, sizeof crypto, "%s/%s", cache, cached[i][0]);
        snprintf(ssl, sizeof ssl, "%s/%s", cache, cached[i][1]);
        in_child(crypto, ssl);
    }
    return unit_finish();
}
