/*
 * test_dlsyms.c — the GnuTLS and NSS backends' function tables
 * (shim/core/dlsyms.c, looked up by hashes folded at build time in each
 * library's own hash tables) hold what dlsym(handle, name) gives for every
 * name: GnuTLS's names carry versions (GNUTLS_3_4, ...) and dlsym takes the
 * default one; names this library lacks must come out NULL. Each library is
 * loaded in a child of its own, RTLD_LOCAL as a program's dlopen may.
 */
#include "dlsyms.h"
#include "dynobj.h"
#include "gtls.h"
#include "nss_api.h"
#include "unit.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define TG_T_REQ_M 1
#define TG_T_REQ_O 0
#define TG_T_GT(kind, ret, name, params)                                                           \
    { #name, TG_DLSYM_HASH(#name), 0, TG_T_REQ_##kind, offsetof(struct tg_gtls, name) },
static const struct tg_dlsym gt_syms[] = { TG_GT_SYMBOLS(TG_T_GT){
    "gnutls_no_such_function", TG_DLSYM_HASH("gnutls_no_such_function"), 0, 0,
    sizeof(struct tg_gtls) } };
#undef TG_T_GT

#define TG_T_LIB_S 0
#define TG_T_LIB_N 1
#define TG_T_LIB_P 2
#define TG_T_NSS(lib, ret, name, params)                                                           \
    { #name, TG_DLSYM_HASH(#name), TG_T_LIB_##lib, 1, offsetof(struct tg_nss, name) },
static const struct tg_dlsym nss_syms[] = { TG_NSS_SYMBOLS(TG_T_NSS) };
#undef TG_T_NSS

/* ld.so's GNU hash, the plain loop. */
static uint32_t gnu_hash(const char *name)
{
    uint32_t h = 5381;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = h * 33 + *c;
    return h;
}

/* The fast path alone (no handle to fall back on): every name dlsym finds,
 * each library's own tables find too, at the same address. */
static void check_tables_alone(const char *soname, void *handle, const struct tg_dlsym *syms,
                               size_t n, unsigned lib)
{
    struct tg_dynobj o;
    struct tg_symscope s;
    if (!CHECK(tg_dynobj_named(soname, &o), soname))
        return;
    tg_symscope_init(&s, NULL, &o);
    s.file = "";
    CHECK(s.complete, soname); /* its dependencies all readable: misses need no dlsym */
    for (size_t i = 0; i < n; i++)
        if (syms[i].lib == lib)
            CHECK(tg_symscope_find_hashed(&s, syms[i].name, syms[i].hash) ==
                      dlsym(handle, syms[i].name),
                  syms[i].name);
}

static void check_table(const char *const *sonames, int nlibs, const struct tg_dlsym *syms,
                        size_t n, size_t size)
{
    void *handles[TG_DLSYMS_LIBS] = { NULL };
    void **table = calloc(1, size + sizeof(void *));
    for (int i = 0; i < nlibs; i++)
        if (!CHECK((handles[i] = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL)) != NULL, sonames[i]))
            return;
    int all = tg_dlsyms_resolve(handles, sonames, syms, n, table, "test", "test");
    int required_found = 1;
    for (size_t i = 0; i < n; i++) {
        void *own, *ref = dlsym(handles[syms[i].lib], syms[i].name);
        memcpy(&own, (char *)table + syms[i].offset, sizeof own);
        CHECK(own == ref, syms[i].name);
        CHECK(syms[i].hash == gnu_hash(syms[i].name), syms[i].name);
        required_found &= !syms[i].required || ref != NULL;
    }
    CHECK(all == required_found, "whether every required name was found");
    for (int i = 0; i < nlibs; i++)
        check_tables_alone(sonames[i], handles[i], syms, n, (unsigned)i);
    free(table);
}

/* `check` of one library in a child; its counts come back as the exit. */
static void in_child(const char *what, const char *const *sonames, int nlibs,
                     const struct tg_dlsym *syms, size_t n, size_t size)
{
    void *probe = dlopen(sonames[0], RTLD_LAZY);
    if (!probe) {
        printf("skip: %s not installed\n", what);
        return;
    }
    dlclose(probe);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        unit_passed = unit_failed = 0;
        check_table(sonames, nlibs, syms, n, size);
        printf("%s: %d passed, %d failed\n", what, unit_passed, unit_failed);
        fflush(stdout);
        _exit(unit_failed ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, what);
}

int main(void)
{
    static const char *const gt[] = { "libgnutls.so.30" };
    static const char *const nss[] = { "libssl3.so", "libnss3.so", "libnspr4.so" };
    in_child("GnuTLS", gt, 1, gt_syms, sizeof gt_syms / sizeof *gt_syms, sizeof(struct tg_gtls));
    in_child("NSS", nss, 3, nss_syms, sizeof nss_syms / sizeof *nss_syms, sizeof(struct tg_nss));
    return unit_finish();
}
