/*
 * real_dl.c — the C library's dlsym and dlvsym, found without calling
 * either (real_dl.h).
 *
 * How, once: ld.so's debugger list (_r_debug.r_map: a weak reference, so
 * ld.so is not added to the shim's DT_NEEDED) gives every loaded object's
 * dynamic section; libc.so.6 defines dlsym and dlvsym from glibc 2.34 on,
 * libdl.so.2 before (down to 2.12). Each is looked up in that object's own
 * hash table as dlsym itself would: GNU hash, else the SysV one; a defined
 * global function at its default version (glibc 2.34's libc also has the
 * old GLIBC_2.2.5 ones, hidden). No dl_iterate_phdr, dlopen or string
 * function: a sanitizer's runtime intercepts those and asks dlsym for the
 * real ones first. The same walk finds the shim's own table: what it
 * exports is what it hooks.
 */
#include "real_dl.h"

#if TG_DL_HOOK

#include <link.h>
#include <stddef.h>
#include <stdint.h>

extern struct r_debug _r_debug __attribute__((weak));
extern ElfW(Dyn) _DYNAMIC[] __attribute__((visibility("hidden")));

tg_dlsym_fn tg_real_dlsym_ptr;
tg_dlvsym_fn tg_real_dlvsym_ptr;

struct elf {
    uintptr_t bias, strsz;
    const ElfW(Sym) * sym;
    const char *str, *soname;
    const uint32_t *gnu, *sysv;
    const ElfW(Versym) * ver;
};

static struct elf own; /* published by own_ready (release) */
static int own_ready;

/* ld.so rewrites a dynamic section's addresses in place on x86_64; a
 * prelinked object's may be absolute already. */
TG_DL_BARE static uintptr_t addr(const struct link_map *l, uintptr_t v)
{
    return v < l->l_addr ? v + l->l_addr : v;
}

TG_DL_BARE static int elf_open(const struct link_map *l, struct elf *e)
{
    uintptr_t soname = 0;
    int has_soname = 0;
    *e = (struct elf){ .bias = l->l_addr };
    for (const ElfW(Dyn) *d = l->l_ld; d && d->d_tag != DT_NULL; d++) {
        uintptr_t v = d->d_un.d_val;
        if (d->d_tag == DT_SYMTAB)
            e->sym = (const ElfW(Sym) *)addr(l, v);
        else if (d->d_tag == DT_STRTAB)
            e->str = (const char *)addr(l, v);
        else if (d->d_tag == DT_STRSZ)
            e->strsz = v;
        else if (d->d_tag == DT_GNU_HASH)
            e->gnu = (const uint32_t *)addr(l, v);
        else if (d->d_tag == DT_HASH)
            e->sysv = (const uint32_t *)addr(l, v);
        else if (d->d_tag == DT_VERSYM)
            e->ver = (const ElfW(Versym) *)addr(l, v);
        else if (d->d_tag == DT_SONAME)
            soname = v, has_soname = 1;
    }
    if (!e->sym || !e->str || !(e->gnu || e->sysv))
        return 0;
    e->soname = has_soname && soname < e->strsz ? e->str + soname : "";
    return 1;
}

TG_DL_BARE static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

TG_DL_BARE static uint32_t gnu_hash(const char *s)
{
    uint32_t h = 5381;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        h = h * 33 + *c;
    return h;
}

/* Symbol i is `name`'s definition as dlsym takes it. */
TG_DL_BARE static int match(const struct elf *e, uint32_t i, const char *name)
{
    const ElfW(Sym) *s = &e->sym[i];
    int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
    return s->st_shndx != SHN_UNDEF && s->st_value && s->st_name < e->strsz &&
           (type == STT_FUNC || type == STT_NOTYPE) && (bind == STB_GLOBAL || bind == STB_WEAK) &&
           !(e->ver && (e->ver[i] & 0x8000)) && same(e->str + s->st_name, name);
}

TG_DL_BARE static uint32_t sysv_index(const struct elf *e, const char *name)
{
    uint32_t nbucket = e->sysv[0], nchain = e->sysv[1], h = 0, g;
    const uint32_t *bucket = e->sysv + 2, *chain = bucket + nbucket;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        h = (h << 4) + *c;
        if ((g = h & 0xf0000000U))
            h ^= g >> 24;
        h &= ~g;
    }
    for (uint32_t i = nbucket ? bucket[h % nbucket] : 0; i && i < nchain; i = chain[i])
        if (match(e, i, name))
            return i;
    return 0;
}

/* `name`'s address in e, NULL when it has no such definition. */
TG_DL_BARE static void *elf_find(const struct elf *e, const char *name)
{
    uint32_t i = 0;
    if (e->gnu) {
        uint32_t h = gnu_hash(name), nb = e->gnu[0], off = e->gnu[1], nbloom = e->gnu[2],
                 shift = e->gnu[3];
        const ElfW(Addr) *bloom = (const ElfW(Addr) *)(const void *)(e->gnu + 4);
        const uint32_t *buckets = (const uint32_t *)(const void *)(bloom + nbloom),
                       *chain = buckets + nb;
        const unsigned bits = sizeof(ElfW(Addr)) * 8;
        ElfW(Addr) w = nbloom ? bloom[(h / bits) % nbloom] : 0;
        if (!nb || !((w >> (h % bits)) & (w >> ((h >> shift) % bits)) & 1))
            return NULL;
        for (uint32_t k = buckets[h % nb]; k >= off; k++) {
            uint32_t h2 = chain[k - off];
            if ((h | 1) == (h2 | 1) && match(e, k, name)) {
                i = k;
                break;
            }
            if (h2 & 1)
                break;
        }
    } else {
        i = sysv_index(e, name);
    }
    return i ? (void *)(e->bias + e->sym[i].st_value) : NULL;
}

TG_DL_BARE void tg_real_dl_resolve(void)
{
    struct elf e, libc = { 0 }, libdl = { 0 }, self = { 0 };
    const struct r_debug *r = &_r_debug;
    int done = 0;
    /* Stop once the shim and the holder of dlsym are found: loaded before
     * any code ran, they come early; an object another thread is adding at
     * the end of the list may be half filled in. */
    for (const struct link_map *l = r ? r->r_map : NULL; l && !done; l = l->l_next) {
        if (!elf_open(l, &e))
            continue;
        if (l->l_ld == _DYNAMIC)
            self = e;
        else if (same(e.soname, "libc.so.6"))
            libc = e;
        else if (same(e.soname, "libdl.so.2"))
            libdl = e;
        done = self.sym && ((libc.sym && elf_find(&libc, "dlsym")) || libdl.sym);
    }
    void *s = libc.sym ? elf_find(&libc, "dlsym") : NULL;
    void *v = libc.sym ? elf_find(&libc, "dlvsym") : NULL;
    if (!s && libdl.sym)
        s = elf_find(&libdl, "dlsym");
    if (!v && libdl.sym)
        v = elf_find(&libdl, "dlvsym");
    if (self.sym && !__atomic_load_n(&own_ready, __ATOMIC_ACQUIRE)) {
        own = self; /* every thread writes the same values */
        __atomic_store_n(&own_ready, 1, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&tg_real_dlvsym_ptr, (tg_dlvsym_fn)v, __ATOMIC_RELEASE);
    __atomic_store_n(&tg_real_dlsym_ptr, (tg_dlsym_fn)s, __ATOMIC_RELEASE);
}

TG_DL_BARE void *tg_real_dl_own_export(const char *name)
{
    if (!__atomic_load_n(&own_ready, __ATOMIC_ACQUIRE))
        return NULL;
    return elf_find(&own, name);
}

#endif
