/*
 * tree.c — the dependency tree of an ELF object, breadth-first as ld.so
 * loads (so the first path found to each library is a shortest one), and
 * which of its objects are TLS libraries.
 */
#include "doctor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tree_free(struct tree *t)
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
static void tree_build(struct ldcache *c, struct tree *t, const struct elf *root)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->objs[i].dyn.n_needed; k++) {
            const char *name = t->objs[i].dyn.needed[k];
            if (tree_has(t, name, NULL))
                continue;
            char path[PATH_MAX];
            int found = ldso_resolve(c, t, (int)i, name, root, path, sizeof path);
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

const struct tg_tls_lib *tree_lib(const struct tree *t, int i)
{
    return i > 0 && (size_t)i < t->n ? tg_tls_lib_of(t->objs[i].name) : NULL;
}

/* The covered TLS library the verdict names: a covered front end's own
 * library where one is in the tree (libcurl-nss: NSS, though librtmp brings
 * GnuTLS too), else the first covered TLS library after the root. */
int tree_find_covered(const struct tree *t)
{
    const char *want = NULL;
    for (size_t i = 1; i < t->n && !want; i++) {
        const struct tg_tls_lib *l = tg_tls_lib_of(t->objs[i].name);
        if (l && l->covered && l->front_end)
            want = l->library;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 1; i < t->n; i++) {
            const struct tg_tls_lib *l = tg_tls_lib_of(t->objs[i].name);
            if (l && l->covered && !l->front_end && (pass || !want || !strcmp(l->library, want)))
                return (int)i;
        }
    return -1;
}

/*
 * The uncovered TLS library a verdict names.  A front end decides which one
 * (libcurl-nss does its TLS through NSS though GnuTLS is in its tree too, via
 * librtmp): its library's first object, or the front end itself when that
 * library is not in the tree; else the first uncovered TLS library.
 */
int tree_find_other(const struct tree *t)
{
    const char *want = NULL;
    int front = -1;
    for (size_t i = 1; i < t->n && front < 0; i++) {
        const struct tg_tls_lib *l = tg_tls_lib_of(t->objs[i].name);
        if (l && !l->covered && l->front_end)
            front = (int)i, want = l->library;
    }
    for (size_t i = 1; i < t->n; i++) {
        const struct tg_tls_lib *l = tg_tls_lib_of(t->objs[i].name);
        if (l && !l->covered && !l->front_end && (!want || !strcmp(l->library, want)))
            return (int)i;
    }
    return front;
}

int tree_find_libpython(const struct tree *t)
{
    for (size_t i = 1; i < t->n; i++)
        if (!strncmp(t->objs[i].name, "libpython", 9))
            return (int)i;
    return -1;
}

/* "a -> b -> c": the chain from the root to object i; with skip_ends, only the
 * objects strictly between the root and i ("" when it is needed directly). */
void tree_chain(const struct tree *t, int i, int skip_ends, char *out, size_t on)
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

/* Build the tree of an ELF object: root entry from its own dynamic section. */
int tree_of(struct ldcache *c, struct tree *t, const char *name, const char *path, struct elf *e)
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
    tree_build(c, t, e);
    return 0;
}
