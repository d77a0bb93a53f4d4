/*
 * coverage.c — the coverage rules shared by the shim's exec notices and
 * `tlsguard doctor` (see coverage.h).  The exec-time reader does bounded
 * pread()s into the stack only: it may run in a vfork child.
 */
#include "coverage.h"

#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/*
 * Which library is which, and what the shim covers.  NSS's SSL library is
 * libssl3.so: not OpenSSL's libssl.so.3.  The libcurl flavours are front
 * ends: a program linking libcurl-gnutls does its TLS through GnuTLS even
 * though libgnutls is only in the tree one level down (the exec-time check
 * reads direct DT_NEEDED names only).
 */
static const struct tg_tls_lib TLS_LIBS[] = {
    { .prefix = "libssl.so", .library = "OpenSSL", .covered = 1 },
    { .prefix = "libgnutls.so", .library = "GnuTLS", .covered = 1 },
    { .prefix = "libgnutls-openssl.so", .library = "GnuTLS", .covered = 0 },
    { .prefix = "libnss3.so", .library = "NSS", .covered = 1 },
    { .prefix = "libssl3.so", .library = "NSS", .covered = 1 },
    { .prefix = "libsmime3.so", .library = "NSS", .covered = 1 },
    { .prefix = "libmbedtls.so", .library = "Mbed TLS", .covered = 0 },
    { .prefix = "libwolfssl.so", .library = "wolfSSL", .covered = 0 },
    { .prefix = "libcurl-gnutls.so", .library = "GnuTLS", .covered = 1, .front_end = 1 },
    { .prefix = "libcurl-nss.so", .library = "NSS", .covered = 1, .front_end = 1 },
};
#define N_TLS_LIBS (sizeof TLS_LIBS / sizeof *TLS_LIBS)

const struct tg_tls_lib *tg_tls_lib_of(const char *soname)
{
    for (size_t i = 0; i < N_TLS_LIBS; i++) {
        size_t n = strlen(TLS_LIBS[i].prefix);
        if (!strncmp(soname, TLS_LIBS[i].prefix, n) && (soname[n] == '\0' || soname[n] == '.'))
            return &TLS_LIBS[i];
    }
    return NULL;
}

const char *tg_tls_covered_names(char *buf, size_t n)
{
    size_t w = 0;
    if (n)
        buf[0] = '\0';
    for (size_t i = 0; i < N_TLS_LIBS; i++) {
        const struct tg_tls_lib *l = &TLS_LIBS[i];
        if (!l->covered || l->front_end || strstr(buf, l->library))
            continue;
        int r = snprintf(buf + w, n - w, "%s%s", w ? " or " : "", l->library);
        if (r < 0 || (size_t)r >= n - w)
            break;
        w += (size_t)r;
    }
    return buf;
}

const char *tg_secure_exec_reason(mode_t mode, int has_file_caps)
{
    if (mode & S_ISUID)
        return "is setuid";
    if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
        return "is setgid";
    if (has_file_caps)
        return "has file capabilities";
    return NULL;
}

const char *tg_secure_exec_reason_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    return tg_secure_exec_reason(st.st_mode, getxattr(path, "security.capability", NULL, 0) > 0);
}

int tg_cov_is_static(const struct tg_cov_facts *f)
{
    return f->is_elf && !f->has_interp && f->n_needed == 0 && !f->has_soname;
}

enum tg_cov_verdict tg_cov_judge(const struct tg_cov_facts *f)
{
    if (f->is_go)
        return TG_COV_GO;
    if (tg_cov_is_static(f))
        return TG_COV_STATIC;
    if (f->secure)
        return TG_COV_SECURE_EXEC;
    if (f->covered)
        return TG_COV_COVERED;
    if (f->other)
        return TG_COV_OTHER_LIB;
    return TG_COV_NO_TLS;
}

/* ---- the exec-time reader ---------------------------------------------- */

#define PHDR_READ  4096 /* bytes of program headers looked at (~70 entries) */
#define MAX_LOADS  16
#define DYN_READ   4096 /* bytes of the dynamic section looked at (256 entries) */
#define MAX_NEEDED 128
#define NOTE_READ  512 /* bytes of each PT_NOTE looked at */

struct quick_elf {
    int fd, is64, lsb;
    uint64_t dyn_off, dyn_size;
    uint64_t load_vaddr[MAX_LOADS], load_off[MAX_LOADS], load_size[MAX_LOADS];
    int n_loads;
};

static uint64_t get(const struct quick_elf *q, const unsigned char *p, size_t size)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (q->lsb ? 8 * i : 8 * (size - 1 - i));
    return v;
}

static int read_at(const struct quick_elf *q, void *buf, size_t n, uint64_t off)
{
    return pread(q->fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -1;
}

/* A "Go" note of type 4 (Go's build ID) in the PT_NOTE at off. */
static int note_is_go(const struct quick_elf *q, uint64_t off, uint64_t size, uint64_t align)
{
    unsigned char buf[NOTE_READ];
    size_t n = size < sizeof buf ? (size_t)size : sizeof buf;
    if (read_at(q, buf, n, off) != 0)
        return 0;
    align = align == 8 ? 8 : 4;
    for (size_t at = 0; at + 12 <= n;) {
        uint64_t namesz = get(q, buf + at, 4), descsz = get(q, buf + at + 4, 4);
        if (namesz == 3 && get(q, buf + at + 8, 4) == 4 && at + 15 <= n &&
            !memcmp(buf + at + 12, "Go", 3))
            return 1;
        uint64_t step =
            12 + ((namesz + align - 1) & ~(align - 1)) + ((descsz + align - 1) & ~(align - 1));
        if (namesz > n || descsz > n || step > n - at)
            break;
        at += (size_t)step;
    }
    return 0;
}

/* One pread for all program headers: this runs on every exec. */
static int read_phdrs(struct quick_elf *q, const unsigned char *eh, struct tg_cov_facts *f)
{
    uint64_t phoff = q->is64 ? get(q, eh + 32, 8) : get(q, eh + 28, 4);
    unsigned phentsize = (unsigned)get(q, eh + (q->is64 ? 54 : 42), 2);
    unsigned phnum = (unsigned)get(q, eh + (q->is64 ? 56 : 44), 2);
    if (phentsize < (q->is64 ? 56u : 32u) || phentsize > 64)
        return -1;
    unsigned char buf[PHDR_READ];
    if (phnum > sizeof buf / phentsize)
        phnum = (unsigned)(sizeof buf / phentsize);
    ssize_t got = pread(q->fd, buf, (size_t)phnum * phentsize, (off_t)phoff);
    if (got < 0)
        return -1;
    phnum = (unsigned)((size_t)got / phentsize);
    for (unsigned i = 0; i < phnum; i++) {
        const unsigned char *ph = buf + (size_t)i * phentsize;
        uint32_t type = (uint32_t)get(q, ph, 4);
        uint64_t off = q->is64 ? get(q, ph + 8, 8) : get(q, ph + 4, 4);
        uint64_t vaddr = q->is64 ? get(q, ph + 16, 8) : get(q, ph + 8, 4);
        uint64_t filesz = q->is64 ? get(q, ph + 32, 8) : get(q, ph + 16, 4);
        uint64_t align = q->is64 ? get(q, ph + 48, 8) : get(q, ph + 28, 4);
        if (type == PT_INTERP)
            f->has_interp = 1;
        else if (type == PT_DYNAMIC)
            q->dyn_off = off, q->dyn_size = filesz;
        else if (type == PT_NOTE && !f->is_go)
            f->is_go = note_is_go(q, off, filesz, align);
        else if (type == PT_LOAD && q->n_loads < MAX_LOADS) {
            q->load_vaddr[q->n_loads] = vaddr;
            q->load_off[q->n_loads] = off;
            q->load_size[q->n_loads++] = filesz;
        }
    }
    return 0;
}

static int vaddr_to_off(const struct quick_elf *q, uint64_t v, uint64_t *off)
{
    for (int i = 0; i < q->n_loads; i++)
        if (v >= q->load_vaddr[i] && v - q->load_vaddr[i] < q->load_size[i]) {
            *off = q->load_off[i] + (v - q->load_vaddr[i]);
            return 0;
        }
    return -1;
}

/* Look each needed name up in the TLS table: the first covered library and
 * the first other one. */
static void judge_needed(const struct quick_elf *q, uint64_t stroff, const uint64_t *names, int n,
                         struct tg_cov_facts *f)
{
    for (int i = 0; i < n; i++) {
        char name[64];
        ssize_t got = pread(q->fd, name, sizeof name - 1, (off_t)(stroff + names[i]));
        if (got <= 0)
            continue;
        name[got] = '\0';
        const struct tg_tls_lib *l = tg_tls_lib_of(name);
        if (l && l->covered && !f->covered)
            f->covered = l;
        else if (l && !l->covered && !f->other) {
            f->other = l;
            snprintf(f->other_name, sizeof f->other_name, "%s", name);
        }
    }
}

static void read_dynamic(struct quick_elf *q, struct tg_cov_facts *f)
{
    size_t entsize = q->is64 ? 16 : 8;
    unsigned char buf[DYN_READ];
    size_t want = q->dyn_size < sizeof buf ? (size_t)q->dyn_size : sizeof buf;
    ssize_t got = pread(q->fd, buf, want, (off_t)q->dyn_off);
    uint64_t names[MAX_NEEDED], strtab = 0;
    int n = 0, has_strtab = 0;
    for (size_t at = 0; got > 0 && at + entsize <= (size_t)got; at += entsize) {
        const unsigned char *d = buf + at;
        int64_t tag = q->is64 ? (int64_t)get(q, d, 8) : (int32_t)get(q, d, 4);
        uint64_t val = q->is64 ? get(q, d + 8, 8) : get(q, d + 4, 4);
        if (tag == DT_NULL)
            break;
        if (tag == DT_NEEDED && n < MAX_NEEDED)
            names[n++] = val;
        else if (tag == DT_SONAME)
            f->has_soname = 1;
        else if (tag == DT_STRTAB)
            strtab = val, has_strtab = 1;
    }
    f->n_needed = n;
    uint64_t stroff;
    if (has_strtab && vaddr_to_off(q, strtab, &stroff) == 0)
        judge_needed(q, stroff, names, n, f);
}

int tg_exec_facts_read(const char *path, struct tg_cov_facts *f)
{
    memset(f, 0, sizeof *f);
    struct stat st;
    /* Only regular files: opening a FIFO would block the exec. */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    f->secure =
        tg_secure_exec_reason(st.st_mode, getxattr(path, "security.capability", NULL, 0) > 0);
    struct quick_elf q = { .fd = open(path, O_RDONLY | O_CLOEXEC) };
    if (q.fd < 0)
        return -1;
    unsigned char eh[64];
    ssize_t got = pread(q.fd, eh, sizeof eh, 0);
    if (got >= 52 && !memcmp(eh, ELFMAG, SELFMAG) &&
        (eh[EI_CLASS] == ELFCLASS32 || eh[EI_CLASS] == ELFCLASS64) &&
        (eh[EI_DATA] == ELFDATA2LSB || eh[EI_DATA] == ELFDATA2MSB) &&
        (eh[EI_CLASS] == ELFCLASS32 || got == 64)) {
        q.is64 = eh[EI_CLASS] == ELFCLASS64;
        q.lsb = eh[EI_DATA] == ELFDATA2LSB;
        if (read_phdrs(&q, eh, f) == 0) {
            f->is_elf = 1;
            if (q.dyn_size)
                read_dynamic(&q, f);
        }
    }
    close(q.fd);
    return 0;
}

int tg_exec_uncovered_reason(const char *path, char *why, size_t n)
{
    struct tg_cov_facts f;
    if (tg_exec_facts_read(path, &f) != 0)
        return 0;
    switch (tg_cov_judge(&f)) {
    case TG_COV_GO:
        snprintf(why, n, "is a Go program (crypto/tls): LD_PRELOAD cannot reach it");
        return 1;
    case TG_COV_STATIC:
        snprintf(why, n, "is statically linked: LD_PRELOAD cannot reach it");
        return 1;
    case TG_COV_SECURE_EXEC:
        snprintf(why, n, "%s: the dynamic linker ignores LD_PRELOAD for it", f.secure);
        return 1;
    case TG_COV_OTHER_LIB: {
        char names[64];
        snprintf(why, n, "uses %s (%s), not %s", f.other->library, f.other_name,
                 tg_tls_covered_names(names, sizeof names));
        return 1;
    }
    default:
        return 0;
    }
}
