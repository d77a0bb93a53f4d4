/*
 * dynobj.h — loaded objects as the dynamic linker mapped them, read through
 * dl_iterate_phdr: where each lies, its soname and dependencies, and its own
 * symbol table. No dladdr (a linear scan of the symbol table) and no dlopen
 * of an object loaded at start-up (ld.so then lists its whole dependency
 * tree first).
 */
#ifndef TG_DYNOBJ_H
#define TG_DYNOBJ_H

#include <link.h>
#include <stdint.h>

struct tg_dynobj {
    uintptr_t lo, hi;      /* the span of its PT_LOAD segments */
    uintptr_t bias;        /* load bias (0 for a non-PIE program) */
    const char *name;      /* as ld.so loaded it; "" for the program */
    const ElfW(Dyn) * dyn; /* its dynamic section, NULL if none */
};

/* The loaded object holding `addr`. 0 when none. */
int tg_dynobj_at(const void *addr, struct tg_dynobj *o);
/* The loaded object whose soname (else file base name) is `soname`. */
int tg_dynobj_named(const char *soname, struct tg_dynobj *o);
/* Its DT_SONAME, else its file's base name; NULL if unreadable. */
const char *tg_dynobj_soname(const struct tg_dynobj *o);
/* 1 if it is marked never to be unloaded (DF_1_NODELETE: OpenSSL 1.1.0+
 * links libssl and libcrypto -z nodelete), else 0. */
int tg_dynobj_nodelete(const struct tg_dynobj *o);
/* 1 if it names `soname` in DT_NEEDED, 0 if not, -1 if it cannot tell. */
int tg_dynobj_needs(const struct tg_dynobj *o, const char *soname);

/* An object's symbol tables, read once from its dynamic section. */
struct tg_dyntables {
    const ElfW(Sym) * symtab;
    const char *strtab;
    uintptr_t strsz, bias;
    const uint32_t *gnu, *sysv;
    const ElfW(Versym) * versym;
};

/* 0 when the object has no readable symbol and hash tables. */
int tg_dynobj_tables(const struct tg_dynobj *o, struct tg_dyntables *t);
/* The definition of `name` in those tables, as dlsym picks it (a defined
 * global symbol, unversioned or the default version): 1 with *addr, 0 when
 * there is none, -1 when this cannot tell (an IFUNC or TLS symbol). */
int tg_dynobj_sym(const struct tg_dyntables *t, const char *name, void **addr);

/* A library and its direct dependencies, searched in that order: what
 * dlsym(handle, name) searches for a libssl's symbols, which all live in
 * libssl or libcrypto. Where an object cannot answer, dlsym on `handle`
 * does (NULL: a handle dlopen(RTLD_NOLOAD) of `lib`'s file gives then). */
#define TG_SCOPE_MAX 12 /* libgnutls 3.7 has 9 direct dependencies */
struct tg_symscope {
    void *handle;
    const char *file;
    int n, complete;
    struct tg_dyntables obj[TG_SCOPE_MAX];
};

void tg_symscope_init(struct tg_symscope *s, void *handle, const struct tg_dynobj *lib);
void *tg_symscope_find(const struct tg_symscope *s, const char *name);
/* The same with the name's GNU hash already known (symhash.h's
 * TG_GNU_HASH of a literal: no hashing at run time). */
void *tg_symscope_find_hashed(const struct tg_symscope *s, const char *name, uint32_t gnu_hash);

#endif
