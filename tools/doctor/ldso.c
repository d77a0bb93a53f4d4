/*
 * ldso.c — where ld.so would find a library, without running `ldd`: glibc's
 * ldd executes the program's own PT_INTERP with LD_TRACE_LOADED_OBJECTS,
 * which runs code chosen by the binary.  We also read /etc/ld.so.cache
 * ourselves rather than run `ldconfig -p`: it is the very file ld.so reads,
 * and ldconfig lives in /sbin, outside an ordinary user's PATH.
 */
#include "doctor.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void ldcache_load(struct ldcache *c)
{
    c->loaded = 1;
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
    *c = (struct ldcache){ .map = p, .size = size, .base = p + hdr, .nlibs = nlibs, .loaded = 1 };
}

/* A string of the cache at offset off from the new header, or NULL. */
static const char *ldcache_str(const struct ldcache *c, uint32_t off)
{
    size_t start = (size_t)(c->base - c->map) + off;
    if (start >= c->size)
        return NULL;
    return memchr(c->map + start, '\0', c->size - start) ? (const char *)c->map + start : NULL;
}

/* Is the file at path an ELF shared object ld.so would load for `want`
 * (same class, byte order and machine)? */
int compatible(const char *path, const struct elf *want)
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
    unsigned m =
        want->data == ELFDATA2LSB ? (unsigned)(h[18] | h[19] << 8) : (unsigned)(h[18] << 8 | h[19]);
    return m == want->machine;
}

/* The Debian/Ubuntu multiarch directory name for a machine. */
static const char *multiarch(const struct elf *e)
{
    switch (e->machine) {
    case EM_X86_64:
        return e->cls == ELFCLASS64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
    case EM_386:
        return "i386-linux-gnu";
    case EM_AARCH64:
        return "aarch64-linux-gnu";
    case EM_ARM:
        return "arm-linux-gnueabihf";
    case EM_RISCV:
        return "riscv64-linux-gnu";
    case EM_PPC64:
        return e->data == ELFDATA2LSB ? "powerpc64le-linux-gnu" : "powerpc64-linux-gnu";
    case EM_S390:
        return "s390x-linux-gnu";
    default:
        return NULL;
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
            if (!strncmp(p + i, "$ORIGIN", 7) && !isalnum((unsigned char)p[i + 7]) &&
                p[i + 7] != '_')
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

/* The cache's entry for name, of the wanted class and machine. */
static int ldcache_lookup(struct ldcache *c, const char *name, const struct elf *want, char *out,
                          size_t on)
{
    if (!c->loaded)
        ldcache_load(c);
    for (size_t i = 0; i < c->nlibs; i++) {
        const unsigned char *ent = c->base + 48 + i * 24;
        uint32_t key, value;
        memcpy(&key, ent + 4, 4);
        memcpy(&value, ent + 8, 4);
        const char *k = ldcache_str(c, key);
        if (k && !strcmp(k, name)) {
            const char *v = ldcache_str(c, value);
            if (v && compatible(v, want)) {
                snprintf(out, on, "%s", v);
                return 1;
            }
        }
    }
    return 0;
}

/* The default directories, multiarch ones first (Debian's ld.so is built so). */
static int default_dirs(const char *name, const struct elf *want, char *out, size_t on)
{
    const char *ma = multiarch(want);
    char dirs[8][64];
    size_t nd = 0;
    if (ma) {
        snprintf(dirs[nd++], sizeof dirs[0], "/lib/%s", ma);
        snprintf(dirs[nd++], sizeof dirs[0], "/usr/lib/%s", ma);
    }
    static const char *const plain[] = { "/lib64",     "/usr/lib64", "/lib32",
                                         "/usr/lib32", "/lib",       "/usr/lib" };
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        snprintf(dirs[nd++], sizeof dirs[0], "%s", plain[i]);
    for (size_t i = 0; i < nd; i++) {
        snprintf(out, on, "%s/%s", dirs[i], name);
        if (compatible(out, want))
            return 1;
    }
    return 0;
}

/* Resolve the needed name for object `from` as ld.so would (glibc's
 * _dl_map_object order). */
int ldso_resolve(struct ldcache *c, const struct tree *t, int from, const char *name,
                 const struct elf *want, char *out, size_t on)
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
    return ldcache_lookup(c, name, want, out, on) || default_dirs(name, want, out, on);
}

void ldcache_close(struct ldcache *c)
{
    if (c->map)
        munmap((void *)c->map, c->size);
    memset(c, 0, sizeof *c);
}
