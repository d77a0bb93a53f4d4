/*
 * dynobj.c — loaded objects read through dl_iterate_phdr (dynobj.h).
 *
 * Why not dlsym: resolving a libssl's ~190 symbols through dlsym(handle)
 * costs ~1 000 instructions each (locks, error catching, the handle's whole
 * scope); the object's own GNU hash table answers in a few dozen. And why
 * not dlopen(RTLD_NOLOAD) to get at an object: for one loaded at start-up
 * ld.so first builds its dependency list (~100 k instructions for libcurl).
 */
#include "dynobj.h"

#include <dlfcn.h>
#include <string.h>

/* ---- finding objects ---------------------------------------------------- */

struct query {
    uintptr_t addr;     /* find by address, or */
    const char *soname; /* by soname */
    struct tg_dynobj *out;
};

static void fill(const struct dl_phdr_info *info, struct tg_dynobj *o)
{
    o->lo = o->hi = 0;
    o->bias = info->dlpi_addr;
    o->name = info->dlpi_name ? info->dlpi_name : "";
    o->dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t from = info->dlpi_addr + ph->p_vaddr, to = from + ph->p_memsz;
        if (ph->p_type == PT_DYNAMIC)
            o->dyn = (const ElfW(Dyn) *)from;
        if (ph->p_type != PT_LOAD)
            continue;
        /* By address, not load base: a non-PIE program's bias is 0. */
        if (!o->lo || from < o->lo)
            o->lo = from;
        if (to > o->hi)
            o->hi = to;
    }
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct query *q = arg;
    struct tg_dynobj o;
    (void)size;
    fill(info, &o);
    if (q->soname) {
        const char *n = o.dyn ? tg_dynobj_soname(&o) : NULL;
        if (!n || strcmp(n, q->soname) != 0)
            return 0;
    } else if (q->addr < o.lo || q->addr >= o.hi) {
        return 0;
    }
    *q->out = o;
    return 1;
}

int tg_dynobj_at(const void *addr, struct tg_dynobj *o)
{
    struct query q = { (uintptr_t)addr, NULL, o };
    return addr && dl_iterate_phdr(visit, &q);
}

int tg_dynobj_named(const char *soname, struct tg_dynobj *o)
{
    struct query q = { 0, soname, o };
    return soname && *soname && dl_iterate_phdr(visit, &q);
}

/* ---- the dynamic section ------------------------------------------------ */

/* ld.so rewrites the dynamic section's addresses (DT_STRTAB, ...) in place
 * on most targets and leaves them relative to the bias on others; either
 * way the result must lie inside the object. 0 if it does not. */
static uintptr_t dyn_addr(const struct tg_dynobj *o, uintptr_t v)
{
    uintptr_t a = v < o->bias ? v + o->bias : v;
    return a >= o->lo && a < o->hi ? a : 0;
}

static uintptr_t dyn_value(const struct tg_dynobj *o, ElfW(Sxword) tag)
{
    for (const ElfW(Dyn) *d = o->dyn; d && d->d_tag != DT_NULL; d++)
        if (d->d_tag == tag)
            return d->d_un.d_val;
    return 0;
}

static const char *dyn_string(const struct tg_dynobj *o, uintptr_t off)
{
    uintptr_t strtab = dyn_addr(o, dyn_value(o, DT_STRTAB)), size = dyn_value(o, DT_STRSZ);
    return strtab && off < size && strtab + size <= o->hi ? (const char *)(strtab + off) : NULL;
}

const char *tg_dynobj_soname(const struct tg_dynobj *o)
{
    for (const ElfW(Dyn) *d = o->dyn; d && d->d_tag != DT_NULL; d++)
        if (d->d_tag == DT_SONAME)
            return dyn_string(o, d->d_un.d_val);
    const char *slash = o->name ? strrchr(o->name, '/') : NULL;
    return slash ? slash + 1 : o->name;
}

int tg_dynobj_nodelete(const struct tg_dynobj *o)
{
    return (dyn_value(o, DT_FLAGS_1) & DF_1_NODELETE) != 0;
}

int tg_dynobj_needs(const struct tg_dynobj *o, const char *soname)
{
    int readable = 1;
    if (!o->dyn || !soname)
        return -1;
    for (const ElfW(Dyn) *d = o->dyn; d->d_tag != DT_NULL; d++) {
        if (d->d_tag != DT_NEEDED)
            continue;
        const char *n = dyn_string(o, d->d_un.d_val);
        if (n && strcmp(n, soname) == 0)
            return 1;
        readable &= n != NULL;
    }
    return readable ? 0 : -1;
}

/* ---- symbols ------------------------------------------------------------ */

int tg_dynobj_tables(const struct tg_dynobj *o, struct tg_dyntables *t)
{
    uintptr_t symtab = 0, strtab = 0, gnu = 0, sysv = 0, versym = 0;
    memset(t, 0, sizeof *t);
    for (const ElfW(Dyn) *d = o->dyn; d && d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB:
            symtab = d->d_un.d_ptr;
            break;
        case DT_STRTAB:
            strtab = d->d_un.d_ptr;
            break;
        case DT_STRSZ:
            t->strsz = d->d_un.d_val;
            break;
        case DT_GNU_HASH:
            gnu = d->d_un.d_ptr;
            break;
        case DT_HASH:
            sysv = d->d_un.d_ptr;
            break;
        case DT_VERSYM:
            versym = d->d_un.d_ptr;
            break;
        default:
            break;
        }
    }
    t->bias = o->bias;
    t->symtab = (const ElfW(Sym) *)dyn_addr(o, symtab);
    t->strtab = (const char *)dyn_addr(o, strtab);
    t->gnu = gnu ? (const uint32_t *)dyn_addr(o, gnu) : NULL;
    t->sysv = sysv ? (const uint32_t *)dyn_addr(o, sysv) : NULL;
    t->versym = versym ? (const ElfW(Versym) *)dyn_addr(o, versym) : NULL;
    return t->symtab && t->strtab && (t->gnu || t->sysv);
}

/* Symbol i against `name`, as ld.so's check_match for dlsym: 1 a match
 * (a defined global definition, unversioned or the default version), 0 not,
 * -1 a match whose address needs more than the bias (IFUNC, TLS). */
static int match(const struct tg_dyntables *t, uint32_t i, const char *name)
{
    const ElfW(Sym) *s = &t->symtab[i];
    int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
    if (s->st_shndx == SHN_UNDEF || s->st_name >= t->strsz ||
        strcmp(t->strtab + s->st_name, name) != 0)
        return 0;
    if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
        return 0;
    if (t->versym && (t->versym[i] & 0x8000)) /* a hidden, non-default version */
        return 0;
    if (type == STT_GNU_IFUNC || type == STT_TLS)
        return -1;
    if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE && type != STT_COMMON)
        return 0;
    return s->st_value ? 1 : 0;
}

/* A name and its hashes, each computed once for all the objects searched. */
struct key {
    const char *name;
    uint32_t gnu;
    int sysv_known;
    unsigned long sysv;
};

static void make_key(struct key *k, const char *name)
{
    uint32_t h = 5381;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = h * 33 + *c;
    k->name = name;
    k->gnu = h;
    k->sysv_known = 0;
}

static unsigned long sysv_hash(struct key *k)
{
    unsigned long h = 0, g;
    if (k->sysv_known)
        return k->sysv;
    for (const unsigned char *c = (const unsigned char *)k->name; *c; c++) {
        h = (h << 4) + *c;
        if ((g = h & 0xf0000000UL))
            h ^= g >> 24;
        h &= ~g;
    }
    k->sysv_known = 1;
    return k->sysv = h;
}

static int gnu_lookup(const struct tg_dyntables *t, const struct key *k, uint32_t *idx)
{
    uint32_t h = k->gnu;
    uint32_t nbuckets = t->gnu[0], symoffset = t->gnu[1], bloom_size = t->gnu[2], shift = t->gnu[3];
    const ElfW(Addr) *bloom = (const ElfW(Addr) *)(const void *)(t->gnu + 4);
    const uint32_t *buckets = (const uint32_t *)(const void *)(bloom + bloom_size),
                   *chain = buckets + nbuckets;
    const unsigned bits = sizeof(ElfW(Addr)) * 8;
    if (!nbuckets || !bloom_size)
        return 0;
    ElfW(Addr) word = bloom[(h / bits) % bloom_size];
    if (!((word >> (h % bits)) & (word >> ((h >> shift) % bits)) & 1))
        return 0;
    for (uint32_t i = buckets[h % nbuckets]; i >= symoffset; i++) {
        uint32_t h2 = chain[i - symoffset];
        if ((h | 1) == (h2 | 1)) {
            int m = match(t, i, k->name);
            if (m) {
                *idx = i;
                return m;
            }
        }
        if (h2 & 1)
            break;
    }
    return 0;
}

static int sysv_lookup(const struct tg_dyntables *t, struct key *k, uint32_t *idx)
{
    uint32_t nbucket = t->sysv[0], nchain = t->sysv[1];
    const uint32_t *bucket = t->sysv + 2, *chain = bucket + nbucket;
    if (!nbucket)
        return 0;
    for (uint32_t i = bucket[sysv_hash(k) % nbucket]; i != 0 && i < nchain; i = chain[i]) {
        int m = match(t, i, k->name);
        if (m) {
            *idx = i;
            return m;
        }
    }
    return 0;
}

static int lookup(const struct tg_dyntables *t, struct key *k, void **addr)
{
    uint32_t i = 0;
    int m = t->gnu ? gnu_lookup(t, k, &i) : sysv_lookup(t, k, &i);
    if (m == 1)
        *addr = (void *)(t->bias + t->symtab[i].st_value);
    return m;
}

int tg_dynobj_sym(const struct tg_dyntables *t, const char *name, void **addr)
{
    struct key k;
    make_key(&k, name);
    return lookup(t, &k, addr);
}

/* ---- a library's scope -------------------------------------------------- */

void tg_symscope_init(struct tg_symscope *s, void *handle, const struct tg_dynobj *lib)
{
    struct tg_dynobj dep;
    s->handle = handle;
    s->file = lib->name;
    s->n = 0;
    s->complete = tg_dynobj_tables(lib, &s->obj[0]);
    if (!s->complete)
        return;
    s->n = 1;
    for (const ElfW(Dyn) *d = lib->dyn; d->d_tag != DT_NULL; d++) {
        if (d->d_tag != DT_NEEDED)
            continue;
        if (s->n < TG_SCOPE_MAX && tg_dynobj_named(dyn_string(lib, d->d_un.d_val), &dep) &&
            tg_dynobj_tables(&dep, &s->obj[s->n]))
            s->n++;
        else
            s->complete = 0;
    }
}

void *tg_symscope_find(const struct tg_symscope *s, const char *name)
{
    struct key k;
    make_key(&k, name);
    return tg_symscope_find_hashed(s, name, k.gnu);
}

void *tg_symscope_find_hashed(const struct tg_symscope *s, const char *name, uint32_t gnu_hash)
{
    int unsure = !s->complete;
    void *p = NULL;
    struct key k = { name, gnu_hash, 0, 0 };
    for (int i = 0; i < s->n; i++) {
        int m = lookup(&s->obj[i], &k, &p);
        if (m == 1)
            return p;
        if (m < 0) {
            unsure = 1;
            break; /* a later object must not win over this one */
        }
    }
    if (!unsure)
        return NULL;
    /* A reference kept for the process's life, as the caller's own. */
    void *h = s->handle ? s->handle : *s->file ? dlopen(s->file, RTLD_LAZY | RTLD_NOLOAD) : NULL;
    return h ? dlsym(h, name) : NULL;
}
