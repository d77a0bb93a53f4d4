/*
 * cmd_doctor.c — `tlsguard doctor PROGRAM`: can the shim reach PROGRAM's TLS?
 *
 * Prints one verdict line ("covered: ..." or "not covered: ...") and then the
 * evidence, two spaces in.  Exit 0 covered, 1 not covered, 2 usage error,
 * PROGRAM not found, or not a program we can read.
 *
 * PROGRAM is never executed, with one exception: a program named like a
 * Python interpreter is asked where its _ssl module is (`-I -c`), because
 * Python loads that module, and libssl with it, only when a script imports
 * ssl.  Everything else is read from the files:
 *
 *   - the ELF headers are parsed here (<elf.h>; 32- and 64-bit, either byte
 *     order): PT_INTERP, PT_DYNAMIC (DT_NEEDED, DT_RPATH, DT_RUNPATH),
 *     section names, notes;
 *   - the dependency tree is resolved the way ld.so does it (RPATH of the
 *     requester and its loaders, LD_LIBRARY_PATH, RUNPATH, /etc/ld.so.cache,
 *     the default directories), without running `ldd`: glibc's ldd executes
 *     the program's own PT_INTERP with LD_TRACE_LOADED_OBJECTS, which runs
 *     code chosen by the binary.  We also read /etc/ld.so.cache ourselves
 *     rather than run `ldconfig -p`: it is the very file ld.so reads, and
 *     ldconfig lives in /sbin, outside an ordinary user's PATH.
 *
 * The input files are untrusted: every offset read from them is checked
 * against the mapping before use.
 */
#include "tlsguard.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define MAX_OBJS     512     /* objects in one dependency tree */
#define MAX_NEEDED   256     /* DT_NEEDED entries read per object */
#define MAX_SCRIPT_DEPTH 4   /* #! interpreters followed */
#define PY_TIMEOUT_MS 10000

/* ---- ELF reading --------------------------------------------------------- */

struct elf {
    const unsigned char *map;
    size_t size;
    int cls;            /* ELFCLASS32 or ELFCLASS64 */
    int data;           /* ELFDATA2LSB or ELFDATA2MSB */
    unsigned type, machine;
    uint64_t phoff, shoff;
    unsigned phnum, phentsize, shnum, shentsize, shstrndx;
    int bad;            /* an out-of-bounds read happened */
};

/* Read an unsigned field of size bytes at off, in the file's byte order.
 * Out of bounds: 0, and e->bad is set. */
static uint64_t elf_get(struct elf *e, uint64_t off, size_t size)
{
    if (off > e->size || size > e->size - off) {
        e->bad = 1;
        return 0;
    }
    const unsigned char *p = e->map + off;
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned shift = e->data == ELFDATA2LSB ? 8 * i : 8 * (size - 1 - i);
        v |= (uint64_t)p[i] << shift;
    }
    return v;
}

/* A field of an ElfNN_<type> at base, for the file's class. */
#define ELF_FIELD(e, base, type, field)                                                 \
    ((e)->cls == ELFCLASS64                                                             \
         ? elf_get((e), (base) + offsetof(Elf64_##type, field),                         \
                   sizeof(((Elf64_##type *)0)->field))                                  \
         : elf_get((e), (base) + offsetof(Elf32_##type, field),                         \
                   sizeof(((Elf32_##type *)0)->field)))
#define ELF_SIZEOF(e, type) ((e)->cls == ELFCLASS64 ? sizeof(Elf64_##type) : sizeof(Elf32_##type))

/* A NUL-terminated string at off, inside [off, limit) and the file; NULL otherwise. */
static const char *elf_str(const struct elf *e, uint64_t off, uint64_t limit)
{
    if (limit > e->size)
        limit = e->size;
    if (off >= limit)
        return NULL;
    const void *nul = memchr(e->map + off, '\0', (size_t)(limit - off));
    return nul ? (const char *)e->map + off : NULL;
}

static void elf_close(struct elf *e)
{
    if (e->map)
        munmap((void *)e->map, e->size);
    e->map = NULL;
}

/*
 * Map path and read its ELF header.  Returns 0 on success, 1 when the file is
 * not ELF (e->map stays set so the caller may look at it), -1 on an error
 * (why says what; nothing mapped).
 */
static int elf_open(const char *path, struct elf *e, char *why, size_t wn)
{
    memset(e, 0, sizeof *e);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, wn, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, wn, "%s", S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        close(fd);
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        snprintf(why, wn, "empty file");
        return -1;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        snprintf(why, wn, "cannot map: %s", strerror(errno));
        return -1;
    }
    e->map = m;
    e->size = (size_t)st.st_size;
    if (e->size < EI_NIDENT || memcmp(e->map, ELFMAG, SELFMAG) != 0)
        return 1;
    e->cls = e->map[EI_CLASS];
    e->data = e->map[EI_DATA];
    if ((e->cls != ELFCLASS32 && e->cls != ELFCLASS64) ||
        (e->data != ELFDATA2LSB && e->data != ELFDATA2MSB)) {
        snprintf(why, wn, "unsupported ELF class or byte order");
        elf_close(e);
        return -1;
    }
    e->type = (unsigned)ELF_FIELD(e, 0, Ehdr, e_type);
    e->machine = (unsigned)ELF_FIELD(e, 0, Ehdr, e_machine);
    e->phoff = ELF_FIELD(e, 0, Ehdr, e_phoff);
    e->shoff = ELF_FIELD(e, 0, Ehdr, e_shoff);
    e->phnum = (unsigned)ELF_FIELD(e, 0, Ehdr, e_phnum);
    e->phentsize = (unsigned)ELF_FIELD(e, 0, Ehdr, e_phentsize);
    e->shnum = (unsigned)ELF_FIELD(e, 0, Ehdr, e_shnum);
    e->shentsize = (unsigned)ELF_FIELD(e, 0, Ehdr, e_shentsize);
    e->shstrndx = (unsigned)ELF_FIELD(e, 0, Ehdr, e_shstrndx);
    if (e->bad || (e->phnum && e->phentsize < ELF_SIZEOF(e, Phdr))) {
        snprintf(why, wn, "malformed ELF header");
        elf_close(e);
        return -1;
    }
    if (e->shentsize < ELF_SIZEOF(e, Shdr))
        e->shnum = 0; /* unusable section table: ignore it, like ld.so does */
    else if (e->shoff && (e->shnum == 0 || e->shstrndx == SHN_XINDEX)) {
        /* Extended numbering: the real values live in section 0. */
        if (e->shnum == 0)
            e->shnum = (unsigned)ELF_FIELD(e, e->shoff, Shdr, sh_size);
        if (e->shstrndx == SHN_XINDEX)
            e->shstrndx = (unsigned)ELF_FIELD(e, e->shoff, Shdr, sh_link);
        if (e->bad)
            e->shnum = 0, e->bad = 0;
    }
    if (e->phnum == PN_XNUM && e->shoff && e->shnum)
        e->phnum = (unsigned)ELF_FIELD(e, e->shoff, Shdr, sh_info);
    if (e->bad) {
        snprintf(why, wn, "malformed ELF header");
        elf_close(e);
        return -1;
    }
    return 0;
}

struct phdr {
    uint32_t type;
    uint64_t offset, vaddr, filesz, align;
};

static int elf_phdr(struct elf *e, unsigned i, struct phdr *p)
{
    uint64_t base = e->phoff + (uint64_t)i * e->phentsize;
    p->type = (uint32_t)ELF_FIELD(e, base, Phdr, p_type);
    p->offset = ELF_FIELD(e, base, Phdr, p_offset);
    p->vaddr = ELF_FIELD(e, base, Phdr, p_vaddr);
    p->filesz = ELF_FIELD(e, base, Phdr, p_filesz);
    p->align = ELF_FIELD(e, base, Phdr, p_align);
    return e->bad ? -1 : 0;
}

/* The file offset of virtual address v, through the PT_LOAD segments. */
static int elf_vaddr_to_off(struct elf *e, uint64_t v, uint64_t *off, uint64_t *room)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        struct phdr p;
        if (elf_phdr(e, i, &p) != 0)
            return -1;
        if (p.type == PT_LOAD && v >= p.vaddr && v - p.vaddr < p.filesz) {
            *off = p.offset + (v - p.vaddr);
            *room = p.filesz - (v - p.vaddr);
            return 0;
        }
    }
    return -1;
}

/* Section i's name, offset and size; name NULL when unreadable. */
static const char *elf_section(struct elf *e, unsigned i, uint64_t *off, uint64_t *size,
                               uint32_t *type)
{
    if (!e->shnum || e->shstrndx >= e->shnum)
        return NULL;
    uint64_t strbase = e->shoff + (uint64_t)e->shstrndx * e->shentsize;
    uint64_t stroff = ELF_FIELD(e, strbase, Shdr, sh_offset);
    uint64_t strsize = ELF_FIELD(e, strbase, Shdr, sh_size);
    uint64_t base = e->shoff + (uint64_t)i * e->shentsize;
    uint64_t name = ELF_FIELD(e, base, Shdr, sh_name);
    *off = ELF_FIELD(e, base, Shdr, sh_offset);
    *size = ELF_FIELD(e, base, Shdr, sh_size);
    *type = (uint32_t)ELF_FIELD(e, base, Shdr, sh_type);
    if (e->bad || name >= strsize || stroff + strsize < stroff)
        return e->bad = 0, NULL;
    return elf_str(e, stroff + name, stroff + strsize);
}

/* Find a section by name; returns 1 and its file range (clipped to the file). */
static int elf_find_section(struct elf *e, const char *want, uint64_t *off, uint64_t *size)
{
    for (unsigned i = 0; i < e->shnum; i++) {
        uint32_t type;
        const char *name = elf_section(e, i, off, size, &type);
        if (name && !strcmp(name, want)) {
            if (type == SHT_NOBITS || *off >= e->size)
                *size = 0;
            else if (*size > e->size - *off)
                *size = e->size - *off;
            return 1;
        }
    }
    return 0;
}

/* What the dynamic section says, copied out of the mapping. */
struct dyn {
    int has_interp, has_dynamic;
    char *interp;          /* PT_INTERP, or NULL */
    char **needed;         /* DT_NEEDED names, n_needed of them */
    size_t n_needed;
    char *rpath, *runpath, *soname;
};

static void dyn_free(struct dyn *d)
{
    for (size_t i = 0; i < d->n_needed; i++)
        free(d->needed[i]);
    free(d->needed);
    free(d->interp);
    free(d->rpath);
    free(d->runpath);
    free(d->soname);
    memset(d, 0, sizeof *d);
}

static int elf_dynamic(struct elf *e, struct dyn *d)
{
    memset(d, 0, sizeof *d);
    struct phdr dynp = { 0 };
    for (unsigned i = 0; i < e->phnum; i++) {
        struct phdr p;
        if (elf_phdr(e, i, &p) != 0)
            return -1;
        if (p.type == PT_INTERP) {
            const char *s = elf_str(e, p.offset, p.offset + p.filesz);
            d->has_interp = 1;
            free(d->interp);
            d->interp = strdup(s ? s : "(unreadable)");
        } else if (p.type == PT_DYNAMIC) {
            dynp = p;
            d->has_dynamic = 1;
        }
    }
    if (!d->has_dynamic)
        return 0;
    uint64_t strtab = 0, strsz = 0, rpath = 0, runpath = 0, soname = 0;
    int has_strtab = 0, has_rpath = 0, has_runpath = 0, has_soname = 0;
    uint64_t needed[MAX_NEEDED];
    size_t n_needed = 0;
    size_t entsize = ELF_SIZEOF(e, Dyn);
    for (uint64_t off = dynp.offset; off + entsize <= dynp.offset + dynp.filesz; off += entsize) {
        int64_t tag = (int64_t)ELF_FIELD(e, off, Dyn, d_tag);
        uint64_t val = ELF_FIELD(e, off, Dyn, d_un.d_val);
        if (e->cls == ELFCLASS32)
            tag = (int32_t)tag;
        if (e->bad)
            return -1;
        if (tag == DT_NULL)
            break;
        switch (tag) {
        case DT_NEEDED:
            if (n_needed < MAX_NEEDED)
                needed[n_needed++] = val;
            break;
        case DT_STRTAB: strtab = val; has_strtab = 1; break;
        case DT_STRSZ: strsz = val; break;
        case DT_RPATH: rpath = val; has_rpath = 1; break;
        case DT_RUNPATH: runpath = val; has_runpath = 1; break;
        case DT_SONAME: soname = val; has_soname = 1; break;
        default: break;
        }
    }
    if (!has_strtab)
        return n_needed ? -1 : 0;
    uint64_t stroff, room;
    if (elf_vaddr_to_off(e, strtab, &stroff, &room) != 0)
        return -1;
    if (strsz == 0 || strsz > room)
        strsz = room;
    uint64_t limit = stroff + strsz;
#define DSTR(v) elf_str(e, stroff + (v), limit)
    d->needed = calloc(n_needed ? n_needed : 1, sizeof *d->needed);
    if (!d->needed)
        return -1;
    for (size_t i = 0; i < n_needed; i++) {
        const char *s = needed[i] < strsz ? DSTR(needed[i]) : NULL;
        if (!s)
            return -1;
        d->needed[d->n_needed] = strdup(s);
        if (!d->needed[d->n_needed])
            return -1;
        d->n_needed++;
    }
    const char *s;
    if (has_rpath && rpath < strsz && (s = DSTR(rpath)) != NULL)
        d->rpath = strdup(s);
    if (has_runpath && runpath < strsz && (s = DSTR(runpath)) != NULL)
        d->runpath = strdup(s);
    if (has_soname && soname < strsz && (s = DSTR(soname)) != NULL)
        d->soname = strdup(s);
#undef DSTR
    return 0;
}

/* A Go binary: a .go.buildinfo or .note.go.buildid section, the "Go" build-ID
 * note, or (section headers stripped) the build-info magic in the data. */
static int elf_is_go(struct elf *e)
{
    uint64_t off, size;
    if (elf_find_section(e, ".go.buildinfo", &off, &size) ||
        elf_find_section(e, ".note.go.buildid", &off, &size))
        return 1;
    for (unsigned i = 0; i < e->phnum; i++) {
        struct phdr p;
        if (elf_phdr(e, i, &p) != 0)
            return 0;
        if (p.type != PT_NOTE)
            continue;
        uint64_t align = p.align == 8 ? 8 : 4;
        uint64_t end = p.offset + p.filesz;
        if (end < p.offset || end > e->size)
            end = e->size;
        for (uint64_t n = p.offset; n + 12 <= end;) {
            uint64_t namesz = elf_get(e, n, 4), descsz = elf_get(e, n + 4, 4);
            uint64_t type = elf_get(e, n + 8, 4);
            if (e->bad)
                return e->bad = 0, 0;
            if (namesz == 3 && type == 4 && n + 12 + 3 <= end && !memcmp(e->map + n + 12, "Go", 3))
                return 1;
            uint64_t step = 12 + ((namesz + align - 1) & ~(align - 1)) +
                            ((descsz + align - 1) & ~(align - 1));
            if (namesz > end || descsz > end || step > end - n)
                break;
            n += step;
        }
    }
    static const char magic[] = "\xff Go buildinf:";
    return memmem(e->map, e->size, magic, sizeof magic - 1) != NULL;
}

/*
 * OpenSSL's version text ("OpenSSL 3.0.13 30 Jan 2024", "OpenSSL 1.1.1w  11 Sep 2023",
 * "OpenSSL 1.0.2k-fips  26 Jan 2017") in p[0..n): the mark of OpenSSL's own
 * libcrypto, built in or not.  The date keeps "built with OpenSSL 1.1" banners out.
 */
static int find_openssl_text(const unsigned char *p, size_t n, char *out, size_t on)
{
    static const char mark[] = "OpenSSL ";
    const unsigned char *end = p + n, *hit = p;
    while ((hit = memmem(hit, (size_t)(end - hit), mark, sizeof mark - 1)) != NULL) {
        const unsigned char *q = hit + sizeof mark - 1;
        hit++;
#define DIGITS(min, max)                                              \
    do {                                                              \
        int k_ = 0;                                                   \
        while (q < end && *q >= '0' && *q <= '9' && k_ < (max))       \
            q++, k_++;                                                \
        if (k_ < (min))                                               \
            goto next;                                                \
    } while (0)
#define CHAR(c)                   \
    do {                          \
        if (q >= end || *q != (c)) \
            goto next;            \
        q++;                      \
    } while (0)
        DIGITS(1, 2); CHAR('.'); DIGITS(1, 3); CHAR('.'); DIGITS(1, 3);
        while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-' ||
                           *q == '+' || *q == '_'))
            q++;
        CHAR(' ');
        if (q < end && *q == ' ')
            q++;
        DIGITS(1, 2); CHAR(' ');
        for (int k = 0; k < 3; k++, q++)
            if (q >= end || !((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
                goto next;
        CHAR(' '); DIGITS(4, 4);
        {
            size_t len = (size_t)(q - (hit - 1));
            if (len >= on)
                len = on - 1;
            memcpy(out, hit - 1, len);
            out[len] = '\0';
            return 1;
        }
    next:;
#undef DIGITS
#undef CHAR
    }
    return 0;
}

/* OpenSSL's version text in .rodata (the whole file without section headers). */
static int elf_openssl_text(struct elf *e, char *out, size_t on)
{
    uint64_t off, size;
    if (elf_find_section(e, ".rodata", &off, &size))
        return find_openssl_text(e->map + off, (size_t)size, out, on);
    return find_openssl_text(e->map, e->size, out, on);
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_RISCV: return "riscv";
    case EM_PPC64: return "ppc64";
    case EM_PPC: return "ppc";
    case EM_S390: return "s390";
    case EM_MIPS: return "mips";
    default: return "unknown machine";
    }
}

/* ---- TLS libraries by soname ------------------------------------------- */

enum tls_kind { TLS_NONE, TLS_OPENSSL, TLS_GNUTLS, TLS_NSS, TLS_OTHER };

struct tls_lib {
    const char *prefix;   /* soname prefix; "libssl.so" must then end or continue with '.' */
    enum tls_kind kind;
    const char *what;
};

/* NSS's SSL library is libssl3.so: not OpenSSL's libssl.so.3. */
static const struct tls_lib TLS_LIBS[] = {
    { .prefix = "libssl.so", .kind = TLS_OPENSSL, .what = "OpenSSL" },
    { .prefix = "libgnutls.so", .kind = TLS_GNUTLS, .what = "GnuTLS" },
    { .prefix = "libgnutls-openssl.so", .kind = TLS_GNUTLS, .what = "GnuTLS" },
    { .prefix = "libnss3.so", .kind = TLS_NSS, .what = "NSS" },
    { .prefix = "libssl3.so", .kind = TLS_NSS, .what = "NSS" },
    { .prefix = "libsmime3.so", .kind = TLS_NSS, .what = "NSS" },
    { .prefix = "libmbedtls.so", .kind = TLS_OTHER, .what = "Mbed TLS" },
    { .prefix = "libwolfssl.so", .kind = TLS_OTHER, .what = "wolfSSL" },
};

static const struct tls_lib *tls_lib_of(const char *soname)
{
    for (size_t i = 0; i < sizeof TLS_LIBS / sizeof *TLS_LIBS; i++) {
        size_t n = strlen(TLS_LIBS[i].prefix);
        if (!strncmp(soname, TLS_LIBS[i].prefix, n) && (soname[n] == '\0' || soname[n] == '.'))
            return &TLS_LIBS[i];
    }
    return NULL;
}

/* The OpenSSL release line a libssl soname belongs to. */
static const char *openssl_version_of(const char *soname)
{
    static const struct { const char *soname, *version; } tab[] = {
        { "libssl.so.3", "OpenSSL 3.x" },
        { "libssl.so.1.1", "OpenSSL 1.1.x" },
        { "libssl.so.10", "RHEL/CentOS 7 OpenSSL 1.0.2" },
        { "libssl.so.1.0.2", "OpenSSL 1.0.2" },
        { "libssl.so.1.0.0", "OpenSSL 1.0.x" },
        { "libssl.so.0.9.8", "OpenSSL 0.9.8" },
        { "libssl.so.6", "RHEL/CentOS 5 OpenSSL 0.9.8" },
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (!strcmp(soname, tab[i].soname))
            return tab[i].version;
    return "version unknown from the soname";
}

static int is_libpython(const char *soname)
{
    return !strncmp(soname, "libpython", 9);
}

/* ---- library resolution ------------------------------------------------ */

/* /etc/ld.so.cache, new format ("glibc-ld.so.cache1.1"), possibly after the
 * old one: glibc's elf/cache.h.  String offsets are from the new header. */
struct ldcache {
    const unsigned char *map;
    size_t size;
    const unsigned char *base;  /* the new-format header */
    size_t nlibs;
};

static struct ldcache g_cache;
static int g_cache_loaded;

static void ldcache_load(void)
{
    g_cache_loaded = 1;
    int fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 48) {
        close(fd);
        return;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return;
    static const char magic_new[] = "glibc-ld.so.cache1.1";
    static const char magic_old[] = "ld.so-1.7.0";
    const unsigned char *p = m;
    size_t size = (size_t)st.st_size, hdr = 0;
    if (!memcmp(p, magic_old, sizeof magic_old - 1)) {
        /* Old header (magic, nlibs) then 12-byte entries, then the new one. */
        uint32_t n;
        memcpy(&n, p + 12, 4);
        hdr = 16 + (size_t)n * 12;
        hdr = (hdr + 7) & ~(size_t)7;
    }
    if (hdr + 48 > size || memcmp(p + hdr, magic_new, sizeof magic_new - 1) != 0) {
        munmap(m, size);
        return;
    }
    uint32_t nlibs;
    memcpy(&nlibs, p + hdr + 20, 4);
    if (nlibs > (size - hdr - 48) / 24) {
        munmap(m, size);
        return;
    }
    g_cache = (struct ldcache){ .map = p, .size = size, .base = p + hdr, .nlibs = nlibs };
}

/* A string of the cache at offset off from the new header, or NULL. */
static const char *ldcache_str(uint32_t off)
{
    size_t start = (size_t)(g_cache.base - g_cache.map) + off;
    if (start >= g_cache.size)
        return NULL;
    return memchr(g_cache.map + start, '\0', g_cache.size - start)
               ? (const char *)g_cache.map + start
               : NULL;
}

/* Is the file at path an ELF shared object ld.so would load for `want`
 * (same class, byte order and machine)? */
static int compatible(const char *path, const struct elf *want)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char h[64];
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n < 20 || memcmp(h, ELFMAG, SELFMAG) != 0 || h[EI_CLASS] != want->cls ||
        h[EI_DATA] != want->data)
        return 0;
    unsigned m = want->data == ELFDATA2LSB ? (unsigned)(h[18] | h[19] << 8)
                                           : (unsigned)(h[18] << 8 | h[19]);
    return m == want->machine;
}

/* The Debian/Ubuntu multiarch directory name for a machine. */
static const char *multiarch(const struct elf *e)
{
    switch (e->machine) {
    case EM_X86_64: return e->cls == ELFCLASS64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
    case EM_386: return "i386-linux-gnu";
    case EM_AARCH64: return "aarch64-linux-gnu";
    case EM_ARM: return "arm-linux-gnueabihf";
    case EM_RISCV: return "riscv64-linux-gnu";
    case EM_PPC64: return e->data == ELFDATA2LSB ? "powerpc64le-linux-gnu" : "powerpc64-linux-gnu";
    case EM_S390: return "s390x-linux-gnu";
    default: return NULL;
    }
}

/* Try name in each directory of a ':'- or ';'-separated list, $ORIGIN expanded. */
static int search_path_list(const char *list, const char *origin, const char *name,
                            const struct elf *want, char *out, size_t on)
{
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ":;");
        char dir[PATH_MAX];
        size_t w = 0;
        for (size_t i = 0; i < len && w < sizeof dir - 1;) {
            const char *tok = NULL;
            size_t toklen = 0;
            if (!strncmp(p + i, "$ORIGIN", 7) && !isalnum((unsigned char)p[i + 7]) && p[i + 7] != '_')
                tok = origin, toklen = 7;
            else if (!strncmp(p + i, "${ORIGIN}", 9))
                tok = origin, toklen = 9;
            if (tok && i + toklen <= len) {
                w += (size_t)snprintf(dir + w, sizeof dir - w, "%s", tok);
                if (w >= sizeof dir)
                    w = sizeof dir - 1;
                i += toklen;
            } else {
                dir[w++] = p[i++];
            }
        }
        dir[w] = '\0';
        /* An empty entry means the current directory, as in ld.so. */
        snprintf(out, on, "%s/%s", w ? dir : ".", name);
        if (compatible(out, want))
            return 1;
        p += len;
        if (*p)
            p++;
    }
    return 0;
}

/* ---- the dependency tree ------------------------------------------------ */

struct obj {
    char *name;      /* the DT_NEEDED name; for the program, its name as given */
    char *path;      /* where it resolved to; NULL: not found */
    int parent;      /* index of the object that needed it; -1: the program */
    char *real;      /* realpath(path), or NULL */
    char *origin;    /* $ORIGIN: the directory of its real path */
    struct dyn dyn;
};

struct tree {
    struct obj *objs;      /* MAX_OBJS of them */
    size_t n;
    int truncated;
    size_t missing;
};

static void tree_free(struct tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->objs[i].name);
        free(t->objs[i].path);
        free(t->objs[i].real);
        free(t->objs[i].origin);
        dyn_free(&t->objs[i].dyn);
    }
    free(t->objs);
    t->objs = NULL;
    t->n = 0;
}

static char *origin_of(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return strdup(".");
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    return real;
}

/* Resolve the needed name for object `from` as ld.so would (glibc's
 * _dl_map_object order). */
static int resolve(struct tree *t, int from, const char *name, const struct elf *want, char *out,
                   size_t on)
{
    if (strchr(name, '/')) {
        snprintf(out, on, "%s", name);
        return compatible(out, want);
    }
    const struct obj *req = &t->objs[from];
    /* DT_RPATH of the requester, then of its loaders up to the program, unless
     * the requester has a DT_RUNPATH (then no RPATH at all is used); an object
     * with a RUNPATH of its own contributes no RPATH. */
    if (!req->dyn.runpath) {
        for (int i = from; i >= 0; i = t->objs[i].parent)
            if (!t->objs[i].dyn.runpath &&
                search_path_list(t->objs[i].dyn.rpath, t->objs[i].origin, name, want, out, on))
                return 1;
    }
    if (search_path_list(getenv("LD_LIBRARY_PATH"), req->origin, name, want, out, on))
        return 1;
    if (search_path_list(req->dyn.runpath, req->origin, name, want, out, on))
        return 1;
    if (!g_cache_loaded)
        ldcache_load();
    for (size_t i = 0; i < g_cache.nlibs; i++) {
        const unsigned char *ent = g_cache.base + 48 + i * 24;
        uint32_t key, value;
        memcpy(&key, ent + 4, 4);
        memcpy(&value, ent + 8, 4);
        const char *k = ldcache_str(key);
        if (k && !strcmp(k, name)) {
            const char *v = ldcache_str(value);
            if (v && compatible(v, want)) {
                snprintf(out, on, "%s", v);
                return 1;
            }
        }
    }
    const char *ma = multiarch(want);
    char dirs[8][64];
    size_t nd = 0;
    if (ma) {
        snprintf(dirs[nd++], sizeof dirs[0], "/lib/%s", ma);
        snprintf(dirs[nd++], sizeof dirs[0], "/usr/lib/%s", ma);
    }
    static const char *const plain[] = { "/lib64", "/usr/lib64", "/lib32", "/usr/lib32", "/lib",
                                         "/usr/lib" };
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        snprintf(dirs[nd++], sizeof dirs[0], "%s", plain[i]);
    for (size_t i = 0; i < nd; i++) {
        snprintf(out, on, "%s/%s", dirs[i], name);
        if (compatible(out, want))
            return 1;
    }
    return 0;
}

/* Has an object with this name (or soname, or real path) been loaded already? */
static int tree_has(const struct tree *t, const char *name, const char *real)
{
    for (size_t i = 1; i < t->n; i++) {
        const struct obj *o = &t->objs[i];
        if (!strcmp(o->name, name) || (o->dyn.soname && !strcmp(o->dyn.soname, name)))
            return 1;
        if (real && o->real && !strcmp(o->real, real))
            return 1;
    }
    return 0;
}

/*
 * Breadth-first, as ld.so loads, from the root object (already in t->objs[0]
 * with its dyn filled): the first path found to each library is a shortest one.
 */
static void tree_build(struct tree *t, const struct elf *root)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->objs[i].dyn.n_needed; k++) {
            const char *name = t->objs[i].dyn.needed[k];
            if (tree_has(t, name, NULL))
                continue;
            char path[PATH_MAX];
            int found = resolve(t, (int)i, name, root, path, sizeof path);
            char *real = found ? realpath(path, NULL) : NULL;
            if (real && tree_has(t, name, real)) {
                free(real);
                continue;
            }
            if (t->n == MAX_OBJS) {
                free(real);
                t->truncated = 1;
                return;
            }
            struct obj *o = &t->objs[t->n++];
            memset(o, 0, sizeof *o);
            o->name = strdup(name);
            o->parent = (int)i;
            o->real = real;
            if (!o->name) {
                free(real);
                t->n--;
                continue;
            }
            if (!found) {
                t->missing++;
                continue;
            }
            o->path = strdup(path);
            o->origin = origin_of(path);
            struct elf e;
            char why[128];
            if (elf_open(path, &e, why, sizeof why) == 0) {
                if (elf_dynamic(&e, &o->dyn) != 0)
                    dyn_free(&o->dyn); /* unreadable dynamic section: a leaf */
            }
            elf_close(&e);
        }
    }
}

/* The first object of the tree (after the root) using a library of this kind. */
static int tree_find(const struct tree *t, enum tls_kind kind)
{
    for (size_t i = 1; i < t->n; i++) {
        const struct tls_lib *l = tls_lib_of(t->objs[i].name);
        if (l && l->kind == kind)
            return (int)i;
    }
    return -1;
}

static int tree_find_libpython(const struct tree *t)
{
    for (size_t i = 1; i < t->n; i++)
        if (is_libpython(t->objs[i].name))
            return (int)i;
    return -1;
}

/* "a -> b -> c": the chain from the root to object i; with skip_ends, only the
 * objects strictly between the root and i ("" when it is needed directly). */
static void tree_chain(const struct tree *t, int i, int skip_ends, char *out, size_t on)
{
    int path[MAX_OBJS];
    int n = 0;
    for (int k = i; k >= 0 && n < MAX_OBJS; k = t->objs[k].parent)
        path[n++] = k;
    out[0] = '\0';
    size_t w = 0;
    int first = 1;
    for (int k = n - 1; k >= 0; k--) {
        if (skip_ends && (k == n - 1 || k == 0))
            continue;
        int r = snprintf(out + w, on - w, "%s%s", first ? "" : " -> ", t->objs[path[k]].name);
        first = 0;
        if (r < 0 || (size_t)r >= on - w)
            return;
        w += (size_t)r;
    }
}

/* ---- output ------------------------------------------------------------ */

/*
 * The verdict line comes first, whatever was learnt on the way to it: evidence
 * gathered before the verdict is known (the script that led to an
 * interpreter, the program whose _ssl module decides) waits here and is
 * printed right after the verdict line.
 */
#define MAX_PENDING 4
static char g_pending[MAX_PENDING][PATH_MAX + 256];
static int g_npending;

static void evidence_first(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void evidence_first(const char *key, const char *fmt, ...)
{
    if (g_npending == MAX_PENDING)
        return;
    char *line = g_pending[g_npending++];
    int w = snprintf(line, sizeof g_pending[0], "  %-9s ", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + w, sizeof g_pending[0] - (size_t)w, fmt, ap);
    va_end(ap);
}

static void verdict(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void verdict(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    for (int i = 0; i < g_npending; i++)
        puts(g_pending[i]);
    g_npending = 0;
}

static void evidence(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void evidence(const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  %-9s ", key);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

/* The libssl evidence: where it is, the chain, and the version libcrypto states. */
static void evidence_libssl(const struct tree *t, int i)
{
    char chain[2048];
    tree_chain(t, i, 0, chain, sizeof chain);
    evidence("chain:", "%s", chain);
    const struct obj *o = &t->objs[i];
    evidence("libssl:", "%s => %s (%s)", o->name, o->path ? o->path : "NOT FOUND on this system",
             openssl_version_of(o->name));
    for (size_t k = 1; k < t->n; k++) {
        const struct obj *c = &t->objs[k];
        if (strncmp(c->name, "libcrypto.so", 12) || !c->path)
            continue;
        struct elf e;
        char why[128], text[96];
        if (elf_open(c->path, &e, why, sizeof why) == 0 && elf_openssl_text(&e, text, sizeof text))
            evidence("version:", "%s says \"%s\"", c->path, text);
        elf_close(&e);
        break;
    }
}

/* Other TLS libraries in the tree next to libssl: connections made through
 * them are not covered. */
static void evidence_others(const struct tree *t)
{
    for (size_t i = 1; i < t->n; i++) {
        const struct tls_lib *l = tls_lib_of(t->objs[i].name);
        if (!l || l->kind == TLS_OPENSSL)
            continue;
        char chain[2048];
        tree_chain(t, (int)i, 0, chain, sizeof chain);
        evidence("also:", "%s (%s): TLS made through it is not covered", chain, l->what);
    }
}

static void evidence_deps(const struct tree *t)
{
    const struct obj *root = &t->objs[0];
    char line[4096];
    size_t w = 0;
    line[0] = '\0';
    for (size_t k = 0; k < root->dyn.n_needed && w < sizeof line; k++)
        w += (size_t)snprintf(line + w, sizeof line - w, "%s%s", k ? " " : "",
                              root->dyn.needed[k]);
    evidence("needed:", "%s needs %s", root->name, root->dyn.n_needed ? line : "nothing");
    evidence("deps:", "%zu shared librar%s in the tree%s", t->n - 1, t->n == 2 ? "y" : "ies",
             t->truncated ? " (stopped: too many)" : "");
    for (size_t i = 1; i < t->n; i++) {
        if (t->objs[i].path)
            continue;
        evidence("missing:", "%s (needed by %s): not found, the program would not start here",
                 t->objs[i].name, t->objs[t->objs[i].parent].name);
    }
}

/* ---- Python -------------------------------------------------------------- */

/* python, python3, python3.11, python3.11d ... but not python3-config. */
static int is_python_name(const char *name)
{
    if (strncmp(name, "python", 6))
        return 0;
    const char *p = name + 6;
    while ((*p >= '0' && *p <= '9') || *p == '.')
        p++;
    if (*p == 'd' || *p == 'm' || *p == 'u')
        p++;
    return *p == '\0';
}

/*
 * Run `python -I -c CODE` (isolated: no PYTHON* variables, no script or user
 * directory on sys.path, so nothing in the current directory is imported) and
 * collect its standard output and the last line of its standard error.
 * Returns the exit status, or -1 (why set) when it could not be run in time.
 */
static int run_python(const char *path, char *out, size_t on, char *err, size_t en)
{
    static const char code[] =
        "import sys\n"
        "print(sys.executable)\n"
        "import _ssl\n"
        "print(getattr(_ssl, '__file__', '(built-in)'))\n";
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0)
        return snprintf(err, en, "pipe: %s", strerror(errno)), -1;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        close(po[0]), close(po[1]);
        return snprintf(err, en, "pipe: %s", strerror(errno)), -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        return snprintf(err, en, "fork: %s", strerror(errno)), -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        char *const argv[] = { (char *)path, "-I", "-c", (char *)code, NULL };
        execv(path, argv);
        dprintf(2, "cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t ow = 0, ew = 0;
    char ebuf[4096];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long deadline = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + PY_TIMEOUT_MS;
    int open_fds = 2, timed_out = 0;
    struct pollfd pf[2] = { { .fd = po[0], .events = POLLIN }, { .fd = pe[0], .events = POLLIN } };
    while (open_fds > 0) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        long long left = deadline - ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int r = poll(pf, 2, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        for (int k = 0; k < 2; k++) {
            if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[1024];
            ssize_t n = read(pf[k].fd, buf, sizeof buf);
            if (n <= 0) {
                close(pf[k].fd);
                pf[k].fd = -1;
                open_fds--;
                continue;
            }
            char *dst = k == 0 ? out : ebuf;
            size_t cap = k == 0 ? on : sizeof ebuf;
            size_t *w = k == 0 ? &ow : &ew;
            size_t m = (size_t)n < cap - 1 - *w ? (size_t)n : cap - 1 - *w;
            memcpy(dst + *w, buf, m);
            *w += m;
        }
    }
    for (int k = 0; k < 2; k++)
        if (pf[k].fd >= 0)
            close(pf[k].fd);
    /* Both pipes closed is not the process gone: wait until the deadline. */
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (w == 0) {
            clock_gettime(CLOCK_MONOTONIC, &ts);
            if ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >= deadline) {
                timed_out = 1;
                kill(pid, SIGKILL);
            } else {
                poll(NULL, 0, 10);
            }
        }
    }
    out[ow] = '\0';
    ebuf[ew] = '\0';
    /* The last non-empty line of stderr: the exception of a traceback. */
    while (ew > 0 && (ebuf[ew - 1] == '\n' || ebuf[ew - 1] == '\r'))
        ebuf[--ew] = '\0';
    char *last = strrchr(ebuf, '\n');
    last = last ? last + 1 : ebuf;
    size_t ll = strlen(last) < en - 1 ? strlen(last) : en - 1;
    memcpy(err, last, ll);
    err[ll] = '\0';
    if (timed_out) {
        snprintf(err, en, "no answer within %d s", PY_TIMEOUT_MS / 1000);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- verdicts ------------------------------------------------------------ */

enum { COVERED = 0, NOT_COVERED = 1, USAGE = 2 };

struct subject {
    const char *display;   /* as the user named it, e.g. "curl" */
    const char *path;      /* the file we read */
};

/* Build the tree of an ELF object: root entry from its own dynamic section. */
static int tree_of(struct tree *t, const char *name, const char *path, struct elf *e)
{
    memset(t, 0, sizeof *t);
    t->objs = calloc(MAX_OBJS, sizeof *t->objs);
    if (!t->objs)
        return -1;
    struct obj *root = &t->objs[0];
    root->name = strdup(name);
    root->path = strdup(path);
    root->origin = origin_of(path);
    root->parent = -1;
    t->n = 1;
    if (!root->name || !root->path || elf_dynamic(e, &root->dyn) != 0)
        return -1;
    tree_build(t, e);
    return 0;
}

/*
 * Python: where is the _ssl module, and does it link libssl?  Returns a
 * verdict, or -1 when this is not the case to decide it (the module is built
 * in, so the answer lies in the program's own dependencies).
 */
static int verdict_python_ssl(const char *display, const char *ssl_path, const char *how)
{
    struct elf e;
    char why[256];
    if (elf_open(ssl_path, &e, why, sizeof why) != 0) {
        elf_close(&e);
        verdict("not covered: %s: its _ssl module %s cannot be read (%s)", display, ssl_path,
               why);
        return NOT_COVERED;
    }
    struct tree t;
    int rc;
    if (tree_of(&t, "_ssl", ssl_path, &e) != 0) {
        verdict("not covered: %s: its _ssl module %s is not a readable ELF object", display,
               ssl_path);
        rc = NOT_COVERED;
    } else {
        int i = tree_find(&t, TLS_OPENSSL);
        char text[96];
        if (i > 0) {
            verdict("covered: %s loads %s (%s) lazily through its _ssl module", display,
                   t.objs[i].name, openssl_version_of(t.objs[i].name));
            evidence("_ssl:", "%s (%s)", ssl_path, how);
            evidence_libssl(&t, i);
            evidence("note:", "libssl is loaded when a script first imports ssl, not at start-up");
            rc = COVERED;
        } else if (elf_openssl_text(&e, text, sizeof text)) {
            verdict("not covered: %s's _ssl module has OpenSSL built in (statically linked)",
                   display);
            evidence("_ssl:", "%s (%s) contains \"%s\"", ssl_path, how, text);
            rc = NOT_COVERED;
        } else {
            verdict("not covered: %s's _ssl module does not link libssl", display);
            evidence("_ssl:", "%s (%s)", ssl_path, how);
            rc = NOT_COVERED;
        }
        evidence_deps(&t);
    }
    tree_free(&t);
    elf_close(&e);
    return rc;
}

/* Ask a program named python* where _ssl is (the one case we execute). */
static int verdict_python_run(const struct subject *s)
{
    char out[PATH_MAX * 2 + 64], err[512];
    int st = run_python(s->path, out, sizeof out, err, sizeof err);
    char *exe = out, *nl = strchr(out, '\n');
    char *ssl = NULL;
    if (nl) {
        *nl = '\0';
        ssl = nl + 1;
        ssl[strcspn(ssl, "\n")] = '\0';
    }
    if (st != 0 || !ssl || !*ssl) {
        if (st > 0 && strstr(err, "_ssl")) {
            verdict("not covered: %s has no _ssl module: it cannot make TLS connections",
                   s->display);
            evidence("python:", "%s -I -c 'import _ssl' failed: %s", s->path, err);
            return NOT_COVERED;
        }
        verdict("not covered: %s: cannot tell: asking it for its _ssl module failed", s->display);
        evidence("python:", "%s -I -c 'import _ssl': %s", s->path,
                 *err ? err : "no output");
        return NOT_COVERED;
    }
    if (!strcmp(ssl, "(built-in)"))
        return -1;
    char how[sizeof out + 32];
    snprintf(how, sizeof how, "reported by %s", *exe ? exe : s->path);
    return verdict_python_ssl(s->display, ssl, how);
}

/* A program linking libpython but not named python*: never run it (`vim -c`
 * means something else entirely); look for _ssl beside that libpython. */
static int verdict_python_embedded(const struct subject *s, const struct tree *t, int py)
{
    const struct obj *o = &t->objs[py];
    /* libpython3.11.so.1.0 -> "3.11" */
    char ver[32] = "";
    const char *v = o->name + 9;
    size_t n = strspn(v, "0123456789.");
    while (n > 0 && v[n - 1] == '.')
        n--;
    if (n == 0 || n >= sizeof ver || !o->path)
        return -1;
    memcpy(ver, v, n);
    ver[n] = '\0';
    char libdir[PATH_MAX];
    char *real = realpath(o->path, NULL);
    snprintf(libdir, sizeof libdir, "%s", real ? real : o->path);
    free(real);
    char *slash = strrchr(libdir, '/');
    if (slash)
        *slash = '\0';
    /* <libdir>/pythonX.Y (a --prefix build: pyenv), <libdir>/.. (Debian's
     * multiarch libdir), then the usual prefixes. */
    const char *dirs[] = { libdir, "%s/..", "/usr/lib", "/usr/local/lib" };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char dir[PATH_MAX + 4], pat[PATH_MAX + 64];
        if (i == 1)
            snprintf(dir, sizeof dir, "%s/..", libdir);
        else
            snprintf(dir, sizeof dir, "%s", dirs[i]);
        snprintf(pat, sizeof pat, "%s/python%s/lib-dynload/_ssl*.so", dir, ver);
        glob_t g;
        if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            char found[PATH_MAX], how[PATH_MAX + 64];
            snprintf(found, sizeof found, "%s", g.gl_pathv[0]);
            globfree(&g);
            snprintf(how, sizeof how, "found beside %s; %s not run", o->name, s->display);
            return verdict_python_ssl(s->display, found, how);
        }
        globfree(&g);
    }
    return -1;
}

static const char *secure_exec_reason(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (st.st_mode & S_ISUID)
            return "is setuid";
        if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
            return "is setgid";
    }
    ssize_t n = getxattr(path, "security.capability", NULL, 0);
    if (n > 0)
        return "has file capabilities";
    return NULL;
}

static int verdict_elf(const struct subject *s, struct elf *e)
{
    int rc = NOT_COVERED;
    struct tree t = { 0 };
    struct dyn d;
    if (elf_dynamic(e, &d) != 0) {
        dyn_free(&d);
        fprintf(stderr, "tlsguard doctor: %s: malformed ELF: cannot read its dynamic section\n",
                s->path);
        return USAGE;
    }
    char kind[PATH_MAX + 128];
    snprintf(kind, sizeof kind, "ELF %d-bit %s %s, %s%s", e->cls == ELFCLASS64 ? 64 : 32,
             e->data == ELFDATA2LSB ? "LSB" : "MSB", machine_name(e->machine),
             d.has_interp ? "dynamically linked, interpreter "
                          : d.n_needed || d.soname ? "no interpreter: a shared library"
                                                   : "statically linked",
             d.has_interp ? d.interp : "");
    /* A program without PT_INTERP runs without ld.so (static, static-pie); an
     * object with DT_NEEDED or DT_SONAME but no PT_INTERP is a shared library. */
    int dynamic = d.has_interp || d.n_needed > 0 || d.soname;
    int has_interp = d.has_interp;
    dyn_free(&d);
    evidence_first("program:", "%s (%s)", s->path, kind);
    char text[96];
    int has_text = -1;  /* the OpenSSL version text: -1 not looked for yet */
#define OPENSSL_TEXT() (has_text < 0 ? (has_text = elf_openssl_text(e, text, sizeof text)) : has_text)

    if (elf_is_go(e)) {
        verdict("not covered: %s is a Go program (crypto/tls): LD_PRELOAD cannot reach it",
               s->display);
        evidence("go:", "Go build info present; crypto/tls is Go code, not libssl");
        if (dynamic && tree_of(&t, s->display, s->path, e) == 0) {
            int i = tree_find(&t, TLS_OPENSSL);
            if (i > 0)
                evidence("but:", "it links %s (cgo): TLS it makes through OpenSSL rather than "
                                 "crypto/tls is covered", t.objs[i].name);
        }
        tree_free(&t);
        return NOT_COVERED;
    }
    if (!dynamic) {
        int ossl = OPENSSL_TEXT();
        verdict("not covered: %s is statically linked%s: LD_PRELOAD cannot reach it", s->display,
               ossl ? " with OpenSSL built in" : "");
        if (ossl)
            evidence("openssl:", "contains \"%s\"", text);
        evidence("why:", "no PT_INTERP: no dynamic linker runs, so nothing reads LD_PRELOAD");
        return NOT_COVERED;
    }
    if (tree_of(&t, s->display, s->path, e) != 0) {
        tree_free(&t);
        fprintf(stderr, "tlsguard doctor: %s: malformed ELF: cannot read its dynamic section\n",
                s->path);
        return USAGE;
    }
    int ssl = tree_find(&t, TLS_OPENSSL);
    const char *secure = secure_exec_reason(s->path);
    char via[2048], line[2300];
    if (ssl > 0) {
        tree_chain(&t, ssl, 1, via, sizeof via);
        snprintf(line, sizeof line, "%s links %s (%s)%s%s", s->display, t.objs[ssl].name,
                 openssl_version_of(t.objs[ssl].name), *via ? " via " : "", via);
    }

    if (secure) {
        verdict("not covered: %s %s: the dynamic linker ignores LD_PRELOAD for it "
                "(use /etc/ld.so.preload)", s->display, secure);
        if (ssl > 0) {
            evidence("but:", "%s: /etc/ld.so.preload would cover it", line);
            evidence_libssl(&t, ssl);
        }
        evidence_deps(&t);
        tree_free(&t);
        return NOT_COVERED;
    }
    if (ssl > 0) {
        verdict("covered: %s", line);
        if (!has_interp && e->type == ET_DYN)
            evidence("note:", "no program interpreter: a shared library; covered in the programs "
                              "that load it");
        evidence_libssl(&t, ssl);
        evidence_others(&t);
        evidence_deps(&t);
        tree_free(&t);
        return COVERED;
    }

    /* Python: the program itself does not link libssl; its _ssl module may. */
    const char *base = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
    const char *dbase = strrchr(s->display, '/') ? strrchr(s->display, '/') + 1 : s->display;
    int py = tree_find_libpython(&t);
    if (is_python_name(base) || is_python_name(dbase)) {
        rc = verdict_python_run(s);
        if (rc >= 0) {
            tree_free(&t);
            return rc;
        }
    } else if (py > 0) {
        rc = verdict_python_embedded(s, &t, py);
        if (rc >= 0) {
            tree_free(&t);
            return rc;
        }
    }

    static const enum tls_kind others[] = { TLS_GNUTLS, TLS_NSS, TLS_OTHER };
    for (size_t k = 0; k < sizeof others / sizeof *others; k++) {
        int i = tree_find(&t, others[k]);
        if (i <= 0)
            continue;
        const struct tls_lib *l = tls_lib_of(t.objs[i].name);
        tree_chain(&t, i, 1, via, sizeof via);
        verdict("not covered: %s uses %s (%s), not OpenSSL%s%s", s->display, l->what,
                t.objs[i].name, *via ? ", via " : "", via);
        tree_chain(&t, i, 0, via, sizeof via);
        evidence("chain:", "%s", via);
        evidence("why:", "the shim interposes OpenSSL's libssl only");
        evidence_deps(&t);
        tree_free(&t);
        return NOT_COVERED;
    }
    if (OPENSSL_TEXT()) {
        verdict("not covered: %s has OpenSSL built in (statically linked)", s->display);
        evidence("openssl:", "contains \"%s\" and no libssl is among its libraries", text);
        evidence_deps(&t);
        tree_free(&t);
        return NOT_COVERED;
    }
    verdict("not covered: %s does not link any TLS library", s->display);
    evidence("note:", "it may still dlopen() one at run time (plugins); if it loads libssl so, "
                      "the shim does cover those connections");
    evidence_deps(&t);
    tree_free(&t);
    return NOT_COVERED;
#undef OPENSSL_TEXT
}

/* ---- finding and dispatching -------------------------------------------- */

/* PROGRAM as a path (it has a '/') or the first executable file in PATH. */
static int find_program(const char *name, char *out, size_t on)
{
    struct stat st;
    if (strchr(name, '/')) {
        snprintf(out, on, "%s", name);
        return stat(out, &st) == 0 ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        size_t len = strcspn(p, ":");
        snprintf(out, on, "%.*s/%s", (int)len, len ? p : ".", name);
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        if (!p[len])
            return -1;
        p += len + 1;
    }
}

static int doctor(const char *display, const char *path, int depth);

/* A #! script: judge the interpreter it names (following `env NAME`). */
static int verdict_script(const char *display, const char *path, const struct elf *e, int depth)
{
    char line[512];
    size_t len = e->size < sizeof line - 1 ? e->size : sizeof line - 1;
    memcpy(line, e->map, len);
    line[len] = '\0';
    line[strcspn(line, "\n")] = '\0';
    char *p = line + 2;
    p += strspn(p, " \t");
    char *interp = p;
    p += strcspn(p, " \t");
    char *arg = NULL;
    if (*p) {
        *p++ = '\0';
        p += strspn(p, " \t");
        arg = p;
    }
    if (!*interp) {
        fprintf(stderr, "tlsguard doctor: %s: a #! script naming no interpreter\n", path);
        return USAGE;
    }
    char target[PATH_MAX];
    const char *slash = strrchr(interp, '/');
    if (!strcmp(slash ? slash + 1 : interp, "env") && arg) {
        /* `#!/usr/bin/env [-S] NAME ...`: NAME is looked up in PATH. */
        char *name = arg;
        while (*name == '-') { /* skip env's options (-S, -i) */
            name += strcspn(name, " \t");
            name += strspn(name, " \t");
        }
        name[strcspn(name, " \t")] = '\0';
        if (!*name || find_program(name, target, sizeof target) != 0) {
            verdict("not covered: %s: its interpreter '%s' is not in PATH", display, name);
            return NOT_COVERED;
        }
    } else {
        snprintf(target, sizeof target, "%s", interp);
    }
    char shown[PATH_MAX + 256];
    snprintf(shown, sizeof shown, "%s (a script run by %s)", display, target);
    if (depth >= MAX_SCRIPT_DEPTH) {
        fprintf(stderr, "tlsguard doctor: %s: too many #! interpreters in a row\n", path);
        return USAGE;
    }
    evidence_first("script:", "%s runs %s; the programs it starts inherit LD_PRELOAD: "
                              "check them too", path, target);
    return doctor(shown, target, depth + 1);
}

static int doctor(const char *display, const char *path, int depth)
{
    struct elf e;
    char why[256];
    int r = elf_open(path, &e, why, sizeof why);
    if (r < 0) {
        fprintf(stderr, "tlsguard doctor: %s: %s\n", path, why);
        return USAGE;
    }
    int rc;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (r == 1 && e.size > 2 && e.map[0] == '#' && e.map[1] == '!') {
        if (is_python_name(base)) {
            /* A wrapper named python (pyenv's shims are bash scripts): it is
             * what runs when the user types the name, so ask it. */
            struct subject s = { .display = display, .path = path };
            evidence_first("program:", "%s (a #! script named like Python: asked it)", path);
            rc = verdict_python_run(&s);
            if (rc >= 0) {
                elf_close(&e);
                return rc;
            }
            g_npending--;
        }
        rc = verdict_script(display, path, &e, depth);
    } else if (r == 1) {
        fprintf(stderr, "tlsguard doctor: %s: not an ELF program nor a #! script\n", path);
        rc = USAGE;
    } else {
        struct subject s = { .display = display, .path = path };
        rc = verdict_elf(&s, &e);
    }
    elf_close(&e);
    return rc;
}

int tg_cmd_doctor(int argc, char **argv)
{
    if (argc >= 2 && argv[1][0] == '-' && argv[1][1])
        return tg_is_help(argv[1]) ? tg_help("doctor") : tg_unknown_option("doctor", argv[1]);
    if (argc != 2 || !argv[1][0]) {
        fputs("usage: tlsguard doctor PROGRAM\nTry 'tlsguard doctor --help'.\n", stderr);
        return USAGE;
    }
    char path[PATH_MAX];
    if (find_program(argv[1], path, sizeof path) != 0) {
        fprintf(stderr, "tlsguard doctor: %s: not found%s\n", argv[1],
                strchr(argv[1], '/') ? "" : " in PATH");
        return USAGE;
    }
    int rc = doctor(argv[1], path, 0);
    fflush(stdout);
    return rc;
}
