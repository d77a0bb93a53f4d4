/*
 * modules.c — verdicts on interpreters whose TLS lives in a module loaded on
 * first use: Python's _ssl, Ruby's openssl.so, Perl's Net::SSLeay
 * (SSLeay.so).  The program itself links no libssl; the module may.
 */
#include "doctor.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "_ssl:", "python:": an evidence key from a name. */
static const char *key_of(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s:", name);
    return buf;
}

static void evidence_module(const struct probe *p, const char *path, const char *how,
                            const char *more)
{
    char key[32];
    evidence(key_of(p->module, key, sizeof key), "%s (%s)%s%s", path, how, *more ? " " : "", more);
}

/* The module's file decides: does it link a covered library, have OpenSSL
 * built in, or neither? */
static int verdict_module_tree(struct doctor *dr, const struct probe *p, const char *display,
                               const char *path, const char *how, struct tree *t, struct elf *e)
{
    int i = tree_find_covered(t);
    char built[256], version[96];
    if (i > 0) {
        verdict(dr, "covered: %s loads %s (%s) lazily through its %s module", display,
                t->objs[i].name, tls_lib_version(t->objs[i].name, version, sizeof version),
                p->module);
        evidence_module(p, path, how, "");
        evidence_libssl(t, i);
        evidence("note:", "libssl is loaded when a script first uses %s, not at start-up",
                 p->module);
        return COVERED;
    }
    if (elf_openssl_builtin(e, built, sizeof built)) {
        verdict(dr, "not covered: %s's %s module has OpenSSL built in (statically linked)", display,
                p->module);
        evidence_module(p, path, how, built);
        return NOT_COVERED;
    }
    verdict(dr, "not covered: %s's %s module does not link libssl", display, p->module);
    evidence_module(p, path, how, "");
    return NOT_COVERED;
}

/* Where the module is, and does it link libssl?  Always a verdict. */
static int verdict_module(struct doctor *dr, const struct probe *p, const char *display,
                          const char *path, const char *how)
{
    struct elf e;
    char why[256];
    if (elf_open(path, &e, why, sizeof why) != 0) {
        elf_close(&e);
        verdict(dr, "not covered: %s: its %s module %s cannot be read (%s)", display, p->module,
                path, why);
        return NOT_COVERED;
    }
    struct tree t;
    int rc;
    char label[64];
    snprintf(label, sizeof label, "%s", p->module);
    if (tree_of(&dr->cache, &t, label, path, &e) != 0) {
        verdict(dr, "not covered: %s: its %s module %s is not a readable ELF object", display,
                p->module, path);
        rc = NOT_COVERED;
    } else {
        rc = verdict_module_tree(dr, p, display, path, how, &t, &e);
        evidence_deps(&t);
    }
    tree_free(&t);
    elf_close(&e);
    return rc;
}

/* Ask the interpreter where its module is (the one case we execute).
 * -1 when the module is built into the interpreter: its own tree decides. */
int verdict_probe_run(struct doctor *dr, const struct probe *p, const struct subject *s)
{
    char out[PATH_MAX * 2 + 64], err[512], opts[64], key[32];
    int st = probe_run(p, s->path, out, sizeof out, err, sizeof err);
    char *exe = out, *nl = strchr(out, '\n');
    char *mod = NULL;
    probe_command(p, opts, sizeof opts);
    if (nl) {
        *nl = '\0';
        mod = nl + 1;
        mod[strcspn(mod, "\n")] = '\0';
    }
    if (st != 0 || !mod || !*mod) {
        if (st > 0 && strstr(err, p->missing)) {
            verdict(dr, "not covered: %s has no %s module: it cannot make TLS connections",
                    s->display, p->module);
            evidence(key_of(p->lang, key, sizeof key), "%s %s '%s' failed: %s", s->path, opts,
                     p->shown, err);
            return NOT_COVERED;
        }
        verdict(dr, "not covered: %s: cannot tell: asking it for its %s module failed", s->display,
                p->module);
        evidence(key_of(p->lang, key, sizeof key), "%s %s '%s': %s", s->path, opts, p->shown,
                 *err ? err : "no output");
        return NOT_COVERED;
    }
    if (!strcmp(mod, "(built-in)"))
        return -1;
    char how[sizeof out + 32];
    snprintf(how, sizeof how, "reported by %s", *exe ? exe : s->path);
    return verdict_module(dr, p, s->display, mod, how);
}

/* libpython3.11.so.1.0 -> "3.11"; 0 when the name has no version. */
static int libpython_version(const char *soname, char *ver, size_t vn)
{
    const char *v = soname + 9;
    size_t n = strspn(v, "0123456789.");
    while (n > 0 && v[n - 1] == '.')
        n--;
    if (n == 0 || n >= vn)
        return 0;
    memcpy(ver, v, n);
    ver[n] = '\0';
    return 1;
}

/* A program linking libpython but not named python*: never run it (`vim -c`
 * means something else entirely); look for _ssl beside that libpython. */
int verdict_python_embedded(struct doctor *dr, const struct subject *s, const struct tree *t,
                            int py)
{
    const struct obj *o = &t->objs[py];
    char ver[32];
    if (!o->path || !libpython_version(o->name, ver, sizeof ver))
        return -1;
    char libdir[PATH_MAX];
    char *real = realpath(o->path, NULL);
    snprintf(libdir, sizeof libdir, "%s", real ? real : o->path);
    free(real);
    char *slash = strrchr(libdir, '/');
    if (slash)
        *slash = '\0';
    /* <libdir>/pythonX.Y (a --prefix build: pyenv), <libdir>/.. (Debian's
     * multiarch libdir), then the usual prefixes. */
    const char *const fmts[] = { "%s", "%s/..", "/usr/lib", "/usr/local/lib" };
    for (size_t i = 0; i < sizeof fmts / sizeof *fmts; i++) {
        char dir[PATH_MAX + 4], pat[PATH_MAX + 64];
        snprintf(dir, sizeof dir, fmts[i], libdir);
        snprintf(pat, sizeof pat, "%s/python%s/lib-dynload/_ssl*.so", dir, ver);
        glob_t g;
        if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            char found[PATH_MAX], how[PATH_MAX + 64];
            snprintf(found, sizeof found, "%s", g.gl_pathv[0]);
            globfree(&g);
            snprintf(how, sizeof how, "found beside %s; %s not run", o->name, s->display);
            return verdict_module(dr, probe_for_name("python"), s->display, found, how);
        }
        globfree(&g);
    }
    return -1;
}
