/*
 * doctor.h — `tlsguard doctor PROGRAM`, split by concern:
 *
 *   elf.c       ELF reading (untrusted input: every offset checked)
 *   ldso.c      where ld.so would find a library (RPATH, LD_LIBRARY_PATH,
 *               RUNPATH, /etc/ld.so.cache, default directories)
 *   tree.c      the dependency tree, breadth-first as ld.so loads
 *   tls_libs.c  what the tree's TLS libraries are (the table with its
 *               covered flag is policy/coverage.c's, shared with the shim),
 *               OpenSSL built into an object
 *   tls_release.c  the GnuTLS or NSS release a library file is
 *   probes.c    asking Python, Ruby and Perl where their OpenSSL module is
 *   modules.c   verdicts on those modules
 *   verdict.c   the verdict on one ELF program (coverage.c's rules)
 *   output.c    the verdict line first, then the evidence
 *   doctor.c    finding the program, scripts, helpers, dispatch
 *
 * No mutable globals: what a run learns (the ld.so cache, evidence waiting
 * for its verdict) lives in a struct doctor passed down.
 */
#ifndef TG_DOCTOR_H
#define TG_DOCTOR_H

#include <elf.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage.h"

#define MAX_OBJS         512 /* objects in one dependency tree */
#define MAX_NEEDED       256 /* DT_NEEDED entries read per object */
#define MAX_SCRIPT_DEPTH 4   /* #! interpreters followed */
#define MAX_PENDING      4   /* evidence lines waiting for the verdict */
#define PROBE_TIMEOUT_MS 10000

enum {
    COVERED = 0,
    NOT_COVERED = 1,
    USAGE = 2
};

/* ---- elf.c ---------------------------------------------------------------- */

struct elf {
    const unsigned char *map;
    size_t size;
    int cls;  /* ELFCLASS32 or ELFCLASS64 */
    int data; /* ELFDATA2LSB or ELFDATA2MSB */
    unsigned type, machine;
    uint64_t phoff, shoff;
    unsigned phnum, phentsize, shnum, shentsize, shstrndx;
    int bad; /* an out-of-bounds read happened */
};

/* A field of an ElfNN_<type> at base, for the file's class. */
#define ELF_FIELD(e, base, type, field)                                                            \
    ((e)->cls == ELFCLASS64 ? elf_get((e), (base) + offsetof(Elf64_##type, field),                 \
                                      sizeof(((Elf64_##type *)0)->field))                          \
                            : elf_get((e), (base) + offsetof(Elf32_##type, field),                 \
                                      sizeof(((Elf32_##type *)0)->field)))
#define ELF_SIZEOF(e, type) ((e)->cls == ELFCLASS64 ? sizeof(Elf64_##type) : sizeof(Elf32_##type))

struct phdr {
    uint32_t type;
    uint64_t offset, vaddr, filesz, align;
};

struct shdr {
    const char *name; /* NULL when unreadable */
    uint32_t type, link;
    uint64_t offset, size, entsize;
};

/* What the dynamic section says, copied out of the mapping. */
struct dyn {
    int has_interp, has_dynamic;
    char *interp;  /* PT_INTERP, or NULL */
    char **needed; /* DT_NEEDED names, n_needed of them */
    size_t n_needed;
    char *rpath, *runpath, *soname;
};

uint64_t elf_get(struct elf *e, uint64_t off, size_t size);
const char *elf_str(const struct elf *e, uint64_t off, uint64_t limit);
/* 0: ELF; 1: not ELF (mapped, for a look at #!); -1: error, why says it. */
int elf_open(const char *path, struct elf *e, char *why, size_t wn);
void elf_close(struct elf *e);
int elf_phdr(struct elf *e, unsigned i, struct phdr *p);
int elf_vaddr_to_off(struct elf *e, uint64_t v, uint64_t *off, uint64_t *room);
int elf_shdr(struct elf *e, unsigned i, struct shdr *s);
int elf_find_section(struct elf *e, const char *want, uint64_t *off, uint64_t *size);
int elf_dynamic(struct elf *e, struct dyn *d);
void dyn_free(struct dyn *d);
int elf_is_go(struct elf *e);
/* Does .dynsym or .symtab define (not import) one of these names? */
const char *elf_defines_symbol(struct elf *e, const char *const *names);
const char *machine_name(unsigned m);

/* ---- ldso.c ---------------------------------------------------------------- */

/* /etc/ld.so.cache, new format ("glibc-ld.so.cache1.1"), possibly after the
 * old one: glibc's elf/cache.h.  String offsets are from the new header. */
struct ldcache {
    const unsigned char *map;
    size_t size;
    const unsigned char *base; /* the new-format header */
    size_t nlibs;
    int loaded;
};

void ldcache_close(struct ldcache *c);
int compatible(const char *path, const struct elf *want);

/* ---- tree.c ---------------------------------------------------------------- */

struct obj {
    char *name;   /* the DT_NEEDED name; for the program, its name as given */
    char *path;   /* where it resolved to; NULL: not found */
    int parent;   /* index of the object that needed it; -1: the program */
    char *real;   /* realpath(path), or NULL */
    char *origin; /* $ORIGIN: the directory of its real path */
    struct dyn dyn;
};

struct tree {
    struct obj *objs; /* MAX_OBJS of them */
    size_t n;
    int truncated;
    size_t missing;
};

/* Where ld.so would find `name` needed by object `from`. */
int ldso_resolve(struct ldcache *c, const struct tree *t, int from, const char *name,
                 const struct elf *want, char *out, size_t on);

int tree_of(struct ldcache *c, struct tree *t, const char *name, const char *path, struct elf *e);
void tree_free(struct tree *t);
int tree_find_covered(const struct tree *t);
int tree_find_other(const struct tree *t);
int tree_find_libpython(const struct tree *t);
void tree_chain(const struct tree *t, int i, int skip_ends, char *out, size_t on);
const struct tg_tls_lib *tree_lib(const struct tree *t, int i);

/* ---- tls_libs.c ------------------------------------------------------------ */

/* "OpenSSL 3.x": the library and release a TLS library's soname names, in buf. */
const char *tls_lib_version(const char *soname, char *buf, size_t n);
int elf_openssl_text(struct elf *e, char *out, size_t on);
/* "GnuTLS 3.7.9", "NSS 3.87.1" (or "NSS 3.79 or later" from its symbol
 * versions alone) for a GnuTLS or NSS library file, in out, and the evidence
 * in how; 0 when the file does not tell (or it is another library). */
int tls_lib_release(const char *library, const char *path, char *out, size_t on, char *how,
                    size_t hn);
/* The library and release of tree object i, for the verdict line: the file's
 * own release where it states one, else what its soname says. */
const char *tls_lib_named(const struct tree *t, int i, char *buf, size_t n);
/* OpenSSL built into this object: version text, defined SSL symbols or
 * libssl's own source-file marks; `how` says which was found. */
int elf_openssl_builtin(struct elf *e, char *how, size_t hn);

/* ---- output.c -------------------------------------------------------------- */

struct doctor {
    struct ldcache cache;
    char pending[MAX_PENDING][PATH_MAX + 256];
    int npending;
};

void evidence_first(struct doctor *dr, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void verdict(struct doctor *dr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void evidence(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void evidence_libssl(const struct tree *t, int i);
void evidence_others(const struct tree *t);
void evidence_deps(const struct tree *t);

/* ---- probes.c, modules.c --------------------------------------------------- */

/* An interpreter that loads OpenSSL lazily through a module of its own. */
struct probe {
    const char *lang;    /* "python", "ruby", "perl" */
    const char *module;  /* "_ssl", "openssl", "Net::SSLeay" */
    const char *missing; /* in the error when the module is absent */
    const char *shown;   /* what the probe does, for the evidence */
};

const struct probe *probe_for_name(const char *basename);
/* Run the interpreter's probe: its executable and the module's file, one
 * per line, in out.  Returns its exit status, or -1 (err says why). */
int probe_run(const struct probe *p, const char *path, char *out, size_t on, char *err, size_t en);
/* The interpreter's options the probe passes ("-E -s -c"). */
const char *probe_command(const struct probe *p, char *buf, size_t n);

struct subject {
    const char *display; /* as the user named it, e.g. "curl" */
    const char *path;    /* the file we read */
};

/* -1: this is not the case to decide it. */
int verdict_probe_run(struct doctor *dr, const struct probe *p, const struct subject *s);
int verdict_python_embedded(struct doctor *dr, const struct subject *s, const struct tree *t,
                            int py);

/* ---- verdict.c, doctor.c --------------------------------------------------- */

int verdict_elf(struct doctor *dr, const struct subject *s, struct elf *e);
int doctor_file(struct doctor *dr, const char *display, const char *path, int depth);
int find_program(const char *name, char *out, size_t on);

#endif
