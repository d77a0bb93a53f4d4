/*
 * libs.c — the registry of libssl copies and the routing of calls to them.
 */
#include "libs.h"
#include "libssl_sonames.h"
#include "block.h"
#include "conn.h"
#include "dynobj.h"
#include "log.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_LIBS 4
#define CACHE    256 /* per thread; a power of two */

static struct tg_ossl libs[MAX_LIBS];
static struct tg_ossl_state states[MAX_LIBS];
static int nlibs; /* published with release: entries below it are complete */
static struct {
    uintptr_t lo, hi;
} lib_spans[MAX_LIBS][2]; /* each copy's libssl [0] and libcrypto [1] */
static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;

/* Objects that call libssl -> the copy they bind to, by address range: each
 * copy's own libssl and libcrypto (libssl calling itself, our callbacks
 * called by it), then the program and its modules as they are first seen.
 * A call site the per-thread cache below has not seen, or lost to a
 * colliding one, costs a scan of a few ranges instead of dladdr/dlopen/dlsym
 * (tens of thousands of instructions). */
#define MAX_CALLERS 64
static struct {
    uintptr_t lo, hi;
    const struct tg_ossl *lib;
} callers[MAX_CALLERS];
static int ncallers; /* published with release, like nlibs */

/* Return address -> copy, per thread: a call site always binds to the same
 * copy, so after the first call from a site routing is one comparison. */
static __thread struct {
    const void *caller;
    const struct tg_ossl *lib;
} cache[CACHE];

/* Where this library lies, found once (dl_iterate_phdr, with no dladdr: a
 * linear scan of the symbol table of whatever object holds the address,
 * ~36 k instructions per lookup in libcrypto, which tg_ossl_resolve made once
 * per resolved symbol). */
static uintptr_t own_lo, own_hi; /* own_hi published last, with release */

int tg_is_ours(const void *p)
{
    uintptr_t hi = __atomic_load_n(&own_hi, __ATOMIC_ACQUIRE), a = (uintptr_t)p;
    if (!hi) {
        struct tg_dynobj q;
        if (!tg_dynobj_at((const void *)&tg_is_ours, &q))
            return 0;
        hi = q.hi;
        __atomic_store_n(&own_lo, q.lo, __ATOMIC_RELAXED);
        __atomic_store_n(&own_hi, hi, __ATOMIC_RELEASE);
    }
    return a >= __atomic_load_n(&own_lo, __ATOMIC_RELAXED) && a < hi;
}

const char *tg_own_file(void)
{
    struct tg_dynobj q;
    return tg_dynobj_at((const void *)&tg_own_file, &q) ? q.name : NULL;
}

/* A libssl function as `handle`'s scope sees it (SSL_get_SSL_CTX is not
 * interposed, so this is never our hook). */
static void *probe(void *handle)
{
    void *p = handle ? dlsym(handle, "SSL_get_SSL_CTX") : NULL;
    return p && !tg_is_ours(p) ? p : NULL;
}

/* Does the object `q` bind to the libssl holding `fn`, by naming that
 * libssl's soname among its own dependencies? Then its scope would only
 * find the same libssl, and building that scope (dlopen of an object
 * loaded at start-up makes ld.so list its whole dependency tree: ~100 k
 * instructions for libcurl) can be skipped. */
static int links_to(const struct tg_dynobj *q, const void *fn)
{
    struct tg_dynobj lib;
    return fn && tg_dynobj_at(fn, &lib) && tg_dynobj_needs(q, tg_dynobj_soname(&lib)) == 1;
}

/* Which libssl does the object at `caller` bind to? A function of it. */
static void *libssl_of(const void *caller)
{
    struct tg_dynobj q;
    void *p = NULL, *global = NULL;
    void *main_map = dlopen(NULL, RTLD_LAZY | RTLD_NOLOAD);
    /* Our own code calls hooks too (libssl 3's SSL_CTX_new tail-calls
     * SSL_CTX_new_ex from our SSL_CTX_new): our scope holds no libssl. */
    if (tg_dynobj_at(caller, &q) && !tg_is_ours(caller) &&
        !(*q.name && links_to(&q, global = probe(RTLD_NEXT)))) {
        void *h = *q.name ? dlopen(q.name, RTLD_LAZY | RTLD_NOLOAD) : NULL;
        if (h && h != main_map) {
            /* Its own scope: a module dlopen'ed RTLD_LOCAL (python3's _ssl)
             * sees the libssl it was linked with, invisible globally. */
            p = probe(h);
        }
        if (h)
            dlclose(h);
    }
    /* The program itself, or anything else: the global scope in load
     * order, as the program's own calls bind (never a copy some module
     * dlopen'ed RTLD_LOCAL). */
    if (!p)
        p = global ? global : probe(RTLD_NEXT);
    if (!p)
        p = probe(RTLD_DEFAULT);
    if (main_map)
        dlclose(main_map);
    /* The sonames libssl goes by (common/libssl_sonames.c), when nothing
     * better led to one. */
    for (const struct tg_libssl_soname *s = tg_libssl_sonames; !p && s->soname; s++) {
        if (!s->shim_serves)
            continue;
        void *h = dlopen(s->soname, RTLD_LAZY | RTLD_NOLOAD);
        p = probe(h);
        if (h)
            dlclose(h);
    }
    return p;
}

static const struct tg_ossl *known_caller(uintptr_t a)
{
    int n = __atomic_load_n(&ncallers, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (a >= callers[i].lo && a < callers[i].hi)
            return callers[i].lib;
    return NULL;
}

/* Remember that the object spanning [lo, hi) binds to `o`. Under the
 * registry lock. */
static void remember_span(uintptr_t lo, uintptr_t hi, const struct tg_ossl *o)
{
    if (!hi || ncallers == MAX_CALLERS || known_caller(lo))
        return;
    callers[ncallers].lo = lo;
    callers[ncallers].hi = hi;
    callers[ncallers].lib = o;
    __atomic_store_n(&ncallers, ncallers + 1, __ATOMIC_RELEASE);
}

/* The same for the object holding `addr`. */
static void remember_caller(const void *addr, const struct tg_ossl *o)
{
    struct tg_dynobj q;
    if (addr && !known_caller((uintptr_t)addr) && tg_dynobj_at(addr, &q))
        remember_span(q.lo, q.hi, o);
}

/* The registered copy whose libssl or libcrypto holds `addr` (for a copy
 * the range table had no room for). */
static const struct tg_ossl *known(const void *addr, int n)
{
    uintptr_t a = (uintptr_t)addr;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
            if (a >= lib_spans[i][k].lo && a < lib_spans[i][k].hi)
                return &libs[i];
    return NULL;
}

/* Where a copy's libssl (k = 0) or libcrypto (1) lies. */
static void note_span(int i, int k, const struct tg_dynobj *q)
{
    lib_spans[i][k].lo = q->lo;
    lib_spans[i][k].hi = q->hi;
    if (k == 0) {
        snprintf(libs[i].libssl_path, sizeof libs[i].libssl_path, "%s", q->name);
        libs[i].ssl_base = (void *)q->lo;
    } else {
        libs[i].crypto_base = (void *)q->lo;
    }
}

/* Resolve and set up a new copy, whose libssl defines `fn`. Under the
 * registry lock. */
static const struct tg_ossl *add(void *fn)
{
    struct tg_dynobj q;
    struct tg_symscope scope;
    const char *missing = NULL;
    char msg[512];
    if (nlibs == MAX_LIBS || !tg_dynobj_at(fn, &q) || !*q.name)
        return NULL;
    /* Kept open for the process's life: a copy we route to cannot be
     * unloaded under us. A libssl that can never be unloaded (1.1.0+ links
     * -z nodelete) needs no reference: dlopen of one loaded at start-up
     * costs ~14 k instructions (ld.so lists its dependencies first). */
    int pinned = tg_dynobj_nodelete(&q);
    void *h = pinned ? NULL : dlopen(q.name, RTLD_LAZY | RTLD_NOLOAD);
    struct tg_ossl *t = &libs[nlibs];
    memset(t, 0, sizeof *t);
    if (h || pinned)
        tg_symscope_init(&scope, h, &q);
    if (!(h || pinned) || tg_ossl_resolve(t, &scope, &missing) != 0) {
        snprintf(msg, sizeof msg, "%s lacks %s; its TLS connections fail closed", q.name,
                 missing ? missing : "a usable handle");
        tg_log_internal(msg);
        return NULL;
    }
    struct tg_dynobj crypto;
    note_span(nlibs, 0, &q);
    if (tg_dynobj_at((const void *)t->ERR_peek_error, &crypto))
        note_span(nlibs, 1, &crypto);
    t->state = &states[nlibs];
    pthread_mutex_init(&t->state->store_lock, NULL);
    if (tg_conn_init(t) != 0) {
        tg_log_internal("cannot register OpenSSL ex-data; TLS connections fail closed");
        return NULL;
    }
    for (int k = 0; k < 2; k++)
        remember_span(lib_spans[nlibs][k].lo, lib_spans[nlibs][k].hi, t);
    __atomic_store_n(&nlibs, nlibs + 1, __ATOMIC_RELEASE);
    return t;
}

static const struct tg_ossl *route(const void *caller)
{
    const struct tg_ossl *o;
    int n = __atomic_load_n(&nlibs, __ATOMIC_ACQUIRE);
    if ((o = known_caller((uintptr_t)caller)) || (o = known(caller, n)))
        return o;
    void *fn = libssl_of(caller);
    if (!fn)
        return NULL;
    pthread_mutex_lock(&registry);
    o = known(fn, nlibs);
    if (!o)
        o = add(fn);
    if (o)
        remember_caller(caller, o);
    pthread_mutex_unlock(&registry);
    return o;
}

const struct tg_ossl *tg_libs_for(const void *caller)
{
    /* Fibonacci hashing spreads nearby call sites over the slots. */
    unsigned slot = (unsigned)(((uintptr_t)caller * 0x9E3779B97F4A7C15ULL) >> 56) & (CACHE - 1);
    if (cache[slot].caller == caller && cache[slot].lib)
        return cache[slot].lib;
    const struct tg_ossl *o = route(caller);
    if (o) {
        cache[slot].caller = caller;
        cache[slot].lib = o;
    } else {
        static int said;
        if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
            tg_log_internal("no usable libssl found for a TLS call; it fails closed");
    }
    return o;
}
