/*
 * output.c — one verdict line ("covered: ..." or "not covered: ...") and then
 * the evidence, two spaces in, on stdout.
 */
#include "doctor.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * The verdict line comes first, whatever was learnt on the way to it: evidence
 * gathered before the verdict is known (the script that led to an
 * interpreter, the program whose _ssl module decides) waits here and is
 * printed right after the verdict line.
 */
void evidence_first(struct doctor *dr, const char *key, const char *fmt, ...)
{
    if (dr->npending == MAX_PENDING)
        return;
    char *line = dr->pending[dr->npending++];
    int w = snprintf(line, sizeof dr->pending[0], "  %-9s ", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + w, sizeof dr->pending[0] - (size_t)w, fmt, ap);
    va_end(ap);
}

void verdict(struct doctor *dr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    for (int i = 0; i < dr->npending; i++)
        puts(dr->pending[i]);
    dr->npending = 0;
}

void evidence(const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  %-9s ", key);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

/* The covered library's evidence: where it is, the chain, and the version
 * the library states (for OpenSSL: its libcrypto). */
void evidence_libssl(const struct tree *t, int i)
{
    char chain[2048], version[96];
    tree_chain(t, i, 0, chain, sizeof chain);
    evidence("chain:", "%s", chain);
    const struct obj *o = &t->objs[i];
    const struct tg_tls_lib *l = tg_tls_lib_of(o->name);
    int openssl = !l || !strcmp(l->library, "OpenSSL");
    evidence(openssl ? "libssl:" : "library:", "%s => %s (%s)", o->name,
             o->path ? o->path : "NOT FOUND on this system",
             tls_lib_named(t, i, version, sizeof version));
    char how[PATH_MAX + 128];
    if (!openssl && tls_lib_release(l->library, o->path, version, sizeof version, how, sizeof how))
        evidence("version:", "%s", how);
    for (size_t k = 1; openssl && k < t->n; k++) {
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
void evidence_others(const struct tree *t)
{
    for (size_t i = 1; i < t->n; i++) {
        const struct tg_tls_lib *l = tg_tls_lib_of(t->objs[i].name);
        if (!l || l->covered || l->front_end)
            continue;
        char chain[2048];
        tree_chain(t, (int)i, 0, chain, sizeof chain);
        evidence("also:", "%s (%s): TLS made through it is not covered", chain, l->library);
    }
}

void evidence_deps(const struct tree *t)
{
    const struct obj *root = &t->objs[0];
    char line[4096];
    size_t w = 0;
    line[0] = '\0';
    for (size_t k = 0; k < root->dyn.n_needed && w < sizeof line; k++)
        w += (size_t)snprintf(line + w, sizeof line - w, "%s%s", k ? " " : "", root->dyn.needed[k]);
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
