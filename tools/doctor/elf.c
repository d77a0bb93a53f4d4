/*
 * elf.c — reading ELF files for doctor: headers, program headers, sections,
 * the dynamic section (DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME) and Go's
 * marks; 32- and 64-bit, either byte order.
 *
 * The input files are untrusted: every offset read from them is checked
 * against the mapping before use.
 */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read an unsigned field of size bytes at off, in the file's byte order.
 * Out of bounds: 0, and e->bad is set. */
uint64_t elf_get(struct elf *e, uint64_t off, size_t size)
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

/* A NUL-terminated string at off, inside [off, limit) and the file; NULL otherwise. */
const char *elf_str(const struct elf *e, uint64_t off, uint64_t limit)
{
    if (limit > e->size)
        limit = e->size;
    if (off >= limit)
        return NULL;
    const void *nul = memchr(e->map + off, '\0', (size_t)(limit - off));
    return nul ? (const char *)e->map + off : NULL;
}

void elf_close(struct elf *e)
{
    if (e->map)
        munmap((void *)e->map, e->size);
    e->map = NULL;
}

/* Section and program header counts past 0xffff live in section 0. */
static void extended_numbering(struct elf *e)
{
    if (e->shentsize < ELF_SIZEOF(e, Shdr))
        e->shnum = 0; /* unusable section table: ignore it, like ld.so does */
    else if (e->shoff && (e->shnum == 0 || e->shstrndx == SHN_XINDEX)) {
        if (e->shnum == 0)
            e->shnum = (unsigned)ELF_FIELD(e, e->shoff, Shdr, sh_size);
        if (e->shstrndx == SHN_XINDEX)
            e->shstrndx = (unsigned)ELF_FIELD(e, e->shoff, Shdr, sh_link);
        if (e->bad)
            e->shnum = 0, e->bad = 0;
    }
    if (e->phnum == PN_XNUM && e->shoff && e->shnum)
        e->phnum = (unsigned)ELF_FIELD(e, e->shoff, Shdr, sh_info);
}

/*
 * Map path and read its ELF header.  Returns 0 on success, 1 when the file is
 * not ELF (e->map stays set so the caller may look at it), -1 on an error
 * (why says what; nothing mapped).
 */
int elf_open(const char *path, struct elf *e, char *why, size_t wn)
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
    extended_numbering(e);
    if (e->bad) {
        snprintf(why, wn, "malformed ELF header");
        elf_close(e);
        return -1;
    }
    return 0;
}

int elf_phdr(struct elf *e, unsigned i, struct phdr *p)
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
int elf_vaddr_to_off(struct elf *e, uint64_t v, uint64_t *off, uint64_t *room)
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

/* Section i's header; s->name NULL when unreadable.  The file range is
 * clipped to the file (size 0 for SHT_NOBITS). */
int elf_shdr(struct elf *e, unsigned i, struct shdr *s)
{
    memset(s, 0, sizeof *s);
    if (i >= e->shnum || e->shstrndx >= e->shnum)
        return -1;
    uint64_t strbase = e->shoff + (uint64_t)e->shstrndx * e->shentsize;
    uint64_t stroff = ELF_FIELD(e, strbase, Shdr, sh_offset);
    uint64_t strsize = ELF_FIELD(e, strbase, Shdr, sh_size);
    uint64_t base = e->shoff + (uint64_t)i * e->shentsize;
    uint64_t name = ELF_FIELD(e, base, Shdr, sh_name);
    s->offset = ELF_FIELD(e, base, Shdr, sh_offset);
    s->size = ELF_FIELD(e, base, Shdr, sh_size);
    s->type = (uint32_t)ELF_FIELD(e, base, Shdr, sh_type);
    s->link = (uint32_t)ELF_FIELD(e, base, Shdr, sh_link);
    s->entsize = ELF_FIELD(e, base, Shdr, sh_entsize);
    if (e->bad)
        return e->bad = 0, -1;
    if (s->type == SHT_NOBITS || s->offset >= e->size)
        s->size = 0;
    else if (s->size > e->size - s->offset)
        s->size = e->size - s->offset;
    if (name < strsize && stroff + strsize >= stroff)
        s->name = elf_str(e, stroff + name, stroff + strsize);
    return 0;
}

/* Find a section by name; returns 1 and its file range (clipped to the file). */
int elf_find_section(struct elf *e, const char *want, uint64_t *off, uint64_t *size)
{
    for (unsigned i = 0; i < e->shnum; i++) {
        struct shdr sh;
        if (elf_shdr(e, i, &sh) == 0 && sh.name && !strcmp(sh.name, want)) {
            *off = sh.offset;
            *size = sh.size;
            return 1;
        }
    }
    return 0;
}

/* The first of names that symbol table `sym` (.symtab or .dynsym) defines. */
static const char *symtab_defines(struct elf *e, const struct shdr *sym, const char *const *names)
{
    struct shdr str;
    size_t entsize = ELF_SIZEOF(e, Sym);
    if (sym->entsize < entsize || sym->entsize > sym->size || elf_shdr(e, sym->link, &str) != 0 ||
        str.size == 0)
        return NULL;
    for (uint64_t off = sym->offset; off + entsize <= sym->offset + sym->size;
         off += sym->entsize) {
        uint64_t name = ELF_FIELD(e, off, Sym, st_name);
        uint64_t shndx = ELF_FIELD(e, off, Sym, st_shndx);
        if (e->bad)
            return e->bad = 0, NULL;
        if (shndx == SHN_UNDEF || name >= str.size)
            continue;
        const char *s = elf_str(e, str.offset + name, str.offset + str.size);
        for (size_t k = 0; s && names[k]; k++)
            if (!strcmp(s, names[k]))
                return names[k];
    }
    return NULL;
}

const char *elf_defines_symbol(struct elf *e, const char *const *names)
{
    for (unsigned i = 0; i < e->shnum; i++) {
        struct shdr sh;
        if (elf_shdr(e, i, &sh) != 0 || (sh.type != SHT_SYMTAB && sh.type != SHT_DYNSYM))
            continue;
        const char *found = symtab_defines(e, &sh, names);
        if (found)
            return found;
    }
    return NULL;
}

/* What the dynamic section says, copied out of the mapping. */
void dyn_free(struct dyn *d)
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

/* The dynamic entries doctor needs: string offsets, -1 when absent. */
struct dyn_raw {
    int64_t strtab, strsz, rpath, runpath, soname;
    uint64_t needed[MAX_NEEDED];
    size_t n_needed;
};

/* PT_INTERP copied into d; PT_DYNAMIC returned in dynp (0: none). */
static int read_interp(struct elf *e, struct dyn *d, struct phdr *dynp)
{
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
            *dynp = p;
            d->has_dynamic = 1;
        }
    }
    return 0;
}

static int read_dyn_entries(struct elf *e, const struct phdr *dynp, struct dyn_raw *r)
{
    *r = (struct dyn_raw){ .strtab = -1, .strsz = 0, .rpath = -1, .runpath = -1, .soname = -1 };
    size_t entsize = ELF_SIZEOF(e, Dyn);
    for (uint64_t off = dynp->offset; off + entsize <= dynp->offset + dynp->filesz;
         off += entsize) {
        int64_t tag = (int64_t)ELF_FIELD(e, off, Dyn, d_tag);
        uint64_t val = ELF_FIELD(e, off, Dyn, d_un.d_val);
        if (e->cls == ELFCLASS32)
            tag = (int32_t)tag;
        if (e->bad)
            return -1;
        if (tag == DT_NULL)
            break;
        int64_t v = val > INT64_MAX ? INT64_MAX : (int64_t)val;
        switch (tag) {
        case DT_NEEDED:
            if (r->n_needed < MAX_NEEDED)
                r->needed[r->n_needed++] = val;
            break;
        case DT_STRTAB:
            r->strtab = v;
            break;
        case DT_STRSZ:
            r->strsz = v;
            break;
        case DT_RPATH:
            r->rpath = v;
            break;
        case DT_RUNPATH:
            r->runpath = v;
            break;
        case DT_SONAME:
            r->soname = v;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* A string of the dynamic string table, copied; NULL when absent or out of it. */
static char *dyn_strdup(struct elf *e, int64_t v, uint64_t stroff, uint64_t strsz)
{
    const char *s =
        v >= 0 && (uint64_t)v < strsz ? elf_str(e, stroff + (uint64_t)v, stroff + strsz) : NULL;
    return s ? strdup(s) : NULL;
}

int elf_dynamic(struct elf *e, struct dyn *d)
{
    memset(d, 0, sizeof *d);
    struct phdr dynp = { 0 };
    struct dyn_raw r;
    if (read_interp(e, d, &dynp) != 0)
        return -1;
    if (!d->has_dynamic)
        return 0;
    if (read_dyn_entries(e, &dynp, &r) != 0)
        return -1;
    if (r.strtab < 0)
        return r.n_needed ? -1 : 0;
    uint64_t stroff, room, strsz = (uint64_t)r.strsz;
    if (elf_vaddr_to_off(e, (uint64_t)r.strtab, &stroff, &room) != 0)
        return -1;
    if (strsz == 0 || strsz > room)
        strsz = room;
    d->needed = calloc(r.n_needed ? r.n_needed : 1, sizeof *d->needed);
    if (!d->needed)
        return -1;
    for (size_t i = 0; i < r.n_needed; i++) {
        d->needed[d->n_needed] = dyn_strdup(e, (int64_t)r.needed[i], stroff, strsz);
        if (r.needed[i] > INT64_MAX || !d->needed[d->n_needed])
            return -1;
        d->n_needed++;
    }
    d->rpath = dyn_strdup(e, r.rpath, stroff, strsz);
    d->runpath = dyn_strdup(e, r.runpath, stroff, strsz);
    d->soname = dyn_strdup(e, r.soname, stroff, strsz);
    return 0;
}

/* A Go binary: a .go.buildinfo or .note.go.buildid section, the "Go" build-ID
 * note, or (section headers stripped) the build-info magic in the data. */
int elf_is_go(struct elf *e)
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
            uint64_t step =
                12 + ((namesz + align - 1) & ~(align - 1)) + ((descsz + align - 1) & ~(align - 1));
            if (namesz > end || descsz > end || step > end - n)
                break;
            n += step;
        }
    }
    static const char magic[] = "\xff Go buildinf:";
    return memmem(e->map, e->size, magic, sizeof magic - 1) != NULL;
}
const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_X86_64:
        return "x86-64";
    case EM_386:
        return "i386";
    case EM_AARCH64:
        return "aarch64";
    case EM_ARM:
        return "arm";
    case EM_RISCV:
        return "riscv";
    case EM_PPC64:
        return "ppc64";
    case EM_PPC:
        return "ppc";
    case EM_S390:
        return "s390";
    case EM_MIPS:
        return "mips";
    default:
        return "unknown machine";
    }
}
