/*
 * rtld_next.c — what dlsym and dlvsym answer in a process, with or without
 * the shim: the answers that depend on who asks (RTLD_NEXT, RTLD_DEFAULT)
 * are the caller's, not the shim's; only a function the shim hooks, asked
 * of a TLS library it covers, becomes the shim's hook.
 *
 *   dl_rtld_next DIR [shim]     (DIR holds libdl_rn_*.so; LD_PRELOAD starts
 *                                with DIR/libdl_rn_pre.so, then the shim)
 *
 * Prints one line per check and "all answers right" when every one holds;
 * exits 1 otherwise. Linked with libdl_rn_a, libdl_rn_b, libssl (so that
 * the program's own SSL_write binding is there to compare with).
 */
#include <dlfcn.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

const char *rn_probe(void);
void *rn_a_next(const char *name);
void *rn_pre_next(const char *name) __attribute__((weak)); /* in the preload */

static int bad;

static void check(const char *what, int ok)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    bad |= !ok;
}

static const char *file_of(const void *p)
{
    Dl_info i;
    return p && dladdr(p, &i) && i.dli_fname ? i.dli_fname : "";
}

static const char *call(void *f)
{
    return f ? ((const char *(*)(void))f)() : "(null)";
}

static void *ssl_handle;

static void *hammer(void *arg)
{
    void *want = arg;
    for (int i = 0; i < 20000; i++)
        if (dlsym(ssl_handle, "SSL_write") != want || !dlsym(RTLD_NEXT, "rn_probe"))
            return "differs";
    return NULL;
}

int main(int argc, char **argv)
{
    char path[512];
    int shim = argc > 2 && !strcmp(argv[2], "shim");
    void *bound = (void *)&SSL_write; /* as the program's calls bind */

    check("the program's RTLD_NEXT is the preload after it",
          !strcmp(call(dlsym(RTLD_NEXT, "rn_probe")), "pre"));
    check("a library's RTLD_NEXT is the library after it",
          !strcmp(call(rn_a_next("rn_probe")), "b"));
    check("an interposer in front of the shim gets the program's binding from RTLD_NEXT",
          rn_pre_next && rn_pre_next("SSL_write") == bound);
    snprintf(path, sizeof path, "%s/libdl_rn_c.so", argv[1]);
    void *c = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    void *(*c_default)(const char *) = c ? (void *(*)(const char *))dlsym(c, "rn_c_default") : NULL;
    check("RTLD_DEFAULT from a module loaded RTLD_LOCAL sees its own scope",
          c_default && !strcmp(call(c_default("rn_local_only")), "d"));
    check("RTLD_DEFAULT for a missing name is NULL", !dlsym(RTLD_DEFAULT, "rn_no_such_name"));

    ssl_handle = dlopen("libssl.so.3", RTLD_NOW | RTLD_NOLOAD);
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void *w = ssl_handle ? dlsym(ssl_handle, "SSL_write") : NULL;
    check(shim ? "a hooked function asked of libssl is the shim's hook"
               : "a hooked function asked of libssl is libssl's",
          w && w == bound && strstr(file_of(w), shim ? "libtlsguard" : "libssl"));
    void *v = dlvsym(RTLD_DEFAULT, "SSL_write", "OPENSSL_3.0.0");
    check("dlvsym(RTLD_DEFAULT, SSL_write, OPENSSL_3.0.0) is the program's binding", v == bound);
    void *gc = ssl_handle ? dlsym(ssl_handle, "SSL_get_SSL_CTX") : NULL;
    check("a function the shim does not hook is libssl's", gc && strstr(file_of(gc), "libssl"));
    void *conn = libc ? dlsym(libc, "connect") : NULL;
    check("a hooked function asked of a library no backend covers (libc's connect) is its own",
          conn && strstr(file_of(conn), "libc.so"));
    check("a missing name asked of a handle is NULL, with dlerror",
          !dlsym(ssl_handle, "SSL_no_such_function") && dlerror() != NULL);

    pthread_t t[4];
    void *res[4] = { 0 };
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, w);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], &res[i]);
    check("the same answers from 4 threads at once", !res[0] && !res[1] && !res[2] && !res[3]);
    if (!bad)
        printf("all answers right\n");
    return bad;
}
