/*
 * tls_release.c — which GnuTLS or NSS release a library file is, read from
 * the file (never by loading or running it): the soname says nothing
 * (libgnutls.so.30 is 3.3 to 3.8, libnss3.so every 3.x).
 *
 *   1. the release text the library's .rodata carries: GnuTLS's debug line
 *      "Enabled GnuTLS 3.7.9 logging..." (lib/global.c), NSS's "Version: NSS
 *      3.87.1" (the version mark libnss3, libssl3 and libsmime3 each hold);
 *   2. else its symbol versions (.gnu.version_d): the newest GNUTLS_3_7_7 or
 *      NSS_3.79 is a floor, "3.7.7 or later", as symbols are only added.
 */
#include "doctor.h"

#include <stdio.h>
#include <string.h>

struct release_marks {
    const char *library; /* coverage.c's name */
    const char *text;    /* what precedes the release in .rodata */
    const char *verdef;  /* prefix of its symbol versions */
};

static const struct release_marks MARKS[] = {
    { "GnuTLS", "Enabled GnuTLS ", "GNUTLS_" },
    { "NSS", "Version: NSS ", "NSS_" },
};

/* "3.7.9" at p (digits and dots, two dots at most, starting with a digit):
 * its length, 0 when p holds none. */
static size_t release_len(const unsigned char *p, const unsigned char *end)
{
    size_t n = 0, dots = 0;
    while (p + n < end && n < 16 &&
           ((p[n] >= '0' && p[n] <= '9') || (p[n] == '.' && n && p[n - 1] != '.' && dots++ < 2)))
        n++;
    if (n && p[n - 1] == '.')
        n--;
    return n && dots ? n : 0;
}

static int release_from_text(struct elf *e, const char *mark, char *out, size_t on)
{
    uint64_t off = 0, size = e->size;
    if (!elf_find_section(e, ".rodata", &off, &size))
        off = 0, size = e->size;
    const unsigned char *p = e->map + off, *end = p + size, *hit;
    size_t ml = strlen(mark);
    for (; (hit = memmem(p, (size_t)(end - p), mark, ml)) != NULL; p = hit + 1) {
        size_t n = release_len(hit + ml, end);
        if (n) {
            snprintf(out, on, "%.*s", (int)n, (const char *)hit + ml);
            return 1;
        }
    }
    return 0;
}

/* a < b for "3_7_7" / "3.79": part by part, numerically. */
static int older(const char *a, const char *b)
{
    while (*a || *b) {
        unsigned long x = 0, y = 0;
        for (; *a >= '0' && *a <= '9'; a++)
            x = x * 10 + (unsigned long)(*a - '0');
        for (; *b >= '0' && *b <= '9'; b++)
            y = y * 10 + (unsigned long)(*b - '0');
        if (x != y)
            return x < y;
        if (*a)
            a++;
        if (*b)
            b++;
    }
    return 0;
}

/* A version name "PREFIX3_7_7" whose tail is digits and separators only. */
static const char *version_tail(const char *name, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (!name || strncmp(name, prefix, pl) || name[pl] < '0' || name[pl] > '9')
        return NULL;
    for (const char *c = name + pl; *c; c++)
        if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == '_'))
            return NULL;
    return name + pl;
}

/* The newest of the library's own symbol versions (Elf_Verdef entries),
 * as named ("3_7_7"). */
static int release_from_verdef(struct elf *e, const char *prefix, char *out, size_t on)
{
    const char *best = NULL;
    for (unsigned i = 0; i < e->shnum && !best; i++) {
        struct shdr vd, str;
        if (elf_shdr(e, i, &vd) != 0 || vd.type != SHT_GNU_verdef ||
            elf_shdr(e, vd.link, &str) != 0 || !str.size)
            continue;
        uint64_t at = vd.offset, end = vd.offset + vd.size;
        for (unsigned k = 0; k < 4096 && at + 20 <= end; k++) {
            uint64_t aux = elf_get(e, at + 12, 4), next = elf_get(e, at + 16, 4);
            uint64_t name = elf_get(e, at + aux, 4);
            if (e->bad)
                return e->bad = 0, 0;
            const char *s =
                name < str.size ? elf_str(e, str.offset + name, str.offset + str.size) : NULL;
            const char *tail = version_tail(s, prefix);
            if (tail && (!best || older(best, tail)))
                best = tail;
            if (!next)
                break;
            at += next;
        }
    }
    if (best)
        snprintf(out, on, "%s", best);
    return best != NULL;
}

int tls_lib_release(const char *library, const char *path, char *out, size_t on, char *how,
                    size_t hn)
{
    const struct release_marks *m = NULL;
    for (size_t i = 0; i < sizeof MARKS / sizeof *MARKS; i++)
        if (!strcmp(library, MARKS[i].library))
            m = &MARKS[i];
    struct elf e;
    char why[128], rel[32];
    int found = 0;
    if (!m || !path)
        return 0;
    if (elf_open(path, &e, why, sizeof why) < 0)
        return 0;
    if (release_from_text(&e, m->text, rel, sizeof rel)) {
        snprintf(out, on, "%s %s", library, rel);
        snprintf(how, hn, "%s says \"%s%s\"", path, m->text, rel);
        found = 1;
    } else if (release_from_verdef(&e, m->verdef, rel, sizeof rel)) {
        snprintf(how, hn, "%s defines symbol version %s%s, no release text", path, m->verdef, rel);
        for (char *c = rel; *c; c++)
            if (*c == '_')
                *c = '.';
        snprintf(out, on, "%s %s or later", library, rel);
        found = 1;
    }
    elf_close(&e);
    return found;
}
