/*
 * tls_libs.c — what doctor knows of TLS libraries beyond the shared table
 * (policy/coverage.c, whose `covered` flag decides): the OpenSSL release a
 * libssl soname belongs to, and OpenSSL built into an object whatever the
 * file is called (Node's bundled copy, a program linked with
 * -Wl,-Bstatic -lssl -lcrypto).
 */
#include "doctor.h"
#include "libssl_sonames.h"

#include <stdio.h>
#include <string.h>

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
#define DIGITS(min, max)                                                                           \
    do {                                                                                           \
        int k_ = 0;                                                                                \
        while (q < end && *q >= '0' && *q <= '9' && k_ < (max))                                    \
            q++, k_++;                                                                             \
        if (k_ < (min))                                                                            \
            goto next;                                                                             \
    } while (0)
#define CHAR(c)                                                                                    \
    do {                                                                                           \
        if (q >= end || *q != (c))                                                                 \
            goto next;                                                                             \
        q++;                                                                                       \
    } while (0)
        DIGITS(1, 2);
        CHAR('.');
        DIGITS(1, 3);
        CHAR('.');
        DIGITS(1, 3);
        while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-' ||
                           *q == '+' || *q == '_'))
            q++;
        CHAR(' ');
        if (q < end && *q == ' ')
            q++;
        DIGITS(1, 2);
        CHAR(' ');
        for (int k = 0; k < 3; k++, q++)
            if (q >= end || !((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
                goto next;
        CHAR(' ');
        DIGITS(4, 4);
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
int elf_openssl_text(struct elf *e, char *out, size_t on)
{
    uint64_t off, size;
    if (elf_find_section(e, ".rodata", &off, &size))
        return find_openssl_text(e->map + off, (size_t)size, out, on);
    return find_openssl_text(e->map, e->size, out, on);
}

/*
 * What a TLS library's soname says: "OpenSSL 3.x" where the soname names a
 * release (common/libssl_sonames.c, the list the shim tries), else the
 * library of policy/coverage.c's table and that the soname does not tell.
 */
const char *tls_lib_version(const char *soname, char *buf, size_t n)
{
    const char *release = tg_libssl_release(soname);
    const struct tg_tls_lib *l = tg_tls_lib_of(soname);
    if (release)
        snprintf(buf, n, "%s", release);
    else
        snprintf(buf, n, "%s%sversion unknown from the soname", l ? l->library : "", l ? ", " : "");
    return buf;
}

const char *tls_lib_named(const struct tree *t, int i, char *buf, size_t n)
{
    const struct obj *o = &t->objs[i];
    const struct tg_tls_lib *l = tg_tls_lib_of(o->name);
    char how[PATH_MAX + 128];
    if (l && tls_lib_release(l->library, o->path, buf, n, how, sizeof how))
        return buf;
    return tls_lib_version(o->name, buf, n);
}

/*
 * A NUL-delimited string in p[0..n) that is libssl's own source file name,
 * as OpenSSL's error macros record it: "ssl/ssl_lib.c" (1.1), "../ssl/ssl_lib.c"
 * (3.x out-of-tree builds), plain "ssl_lib.c" (1.0.x __FILE__).  Only libssl
 * itself carries them; a program that merely names SSL_CTX_new (for dlsym, as
 * the shim does) does not.
 */
static int find_libssl_source_mark(const unsigned char *p, size_t n, char *out, size_t on)
{
    static const char mark[] = "ssl_lib.c";
    const size_t ml = sizeof mark - 1;
    for (const unsigned char *hit = p; (hit = memmem(hit, (size_t)(p + n - hit), mark, ml));
         hit++) {
        if (hit + ml < p + n && hit[ml] != '\0')
            continue;
        const unsigned char *start = hit;
        while (start > p && start[-1] != '\0')
            start--;
        size_t len = (size_t)(hit + ml - start);
        static const char *const whole[] = { "ssl_lib.c", "ssl/ssl_lib.c", "../ssl/ssl_lib.c" };
        for (size_t k = 0; k < sizeof whole / sizeof *whole; k++)
            if (len == strlen(whole[k]) && !memcmp(start, whole[k], len)) {
                snprintf(out, on, "%s", whole[k]);
                return 1;
            }
        if (len > 13 && !memcmp(hit - 5, "/ssl/", 5)) {
            snprintf(out, on, "%.*s", (int)len, (const char *)start);
            return 1;
        }
    }
    return 0;
}

int elf_openssl_builtin(struct elf *e, char *how, size_t hn)
{
    /* libssl's own, never exported by an interposer such as libtlsguard.so
     * (which defines SSL_CTX_new and SSL_connect). */
    static const char *const entry_points[] = { "OPENSSL_init_ssl", "SSL_library_init",
                                                "SSL_CTX_free", NULL };
    char text[128];
    const char *sym;
    uint64_t off = 0, size = e->size;
    if (elf_openssl_text(e, text, sizeof text)) {
        snprintf(how, hn, "contains \"%s\"", text);
        return 1;
    }
    if ((sym = elf_defines_symbol(e, entry_points)) != NULL) {
        snprintf(how, hn, "defines %s itself (its symbol table)", sym);
        return 1;
    }
    if (!elf_find_section(e, ".rodata", &off, &size))
        off = 0, size = e->size;
    if (find_libssl_source_mark(e->map + off, (size_t)size, text, sizeof text)) {
        snprintf(how, hn, "contains libssl's source-file mark \"%s\"", text);
        return 1;
    }
    return 0;
}
