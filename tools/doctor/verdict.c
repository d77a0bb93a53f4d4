/*
 * verdict.c — the verdict on one ELF program.  The rules and their order are
 * policy/coverage.c's (shared with the shim's exec notices): Go, static,
 * secure execution, a covered TLS library, an uncovered one.  Where the
 * program itself links no TLS library, doctor looks further: an
 * interpreter's OpenSSL module, OpenSSL built in, libraries it cannot find.
 */
#include "doctor.h"

#include <stdio.h>
#include <string.h>

/* Everything known about the program once its file and tree are read. */
struct judged {
    const struct subject *s;
    struct elf *e;
    struct tree t; /* empty for a static program */
    struct tg_cov_facts f;
    int ssl, other;  /* tree indexes, -1 when absent */
    char line[2400]; /* "curl links libssl.so.3 (OpenSSL 3.x) via libcurl.so.4" */
};

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int verdict_go(struct doctor *dr, struct judged *j)
{
    verdict(dr, "not covered: %s is a Go program (crypto/tls): LD_PRELOAD cannot reach it",
            j->s->display);
    evidence("go:", "Go build info present; crypto/tls is Go code, not libssl");
    if (j->ssl > 0)
        evidence("but:",
                 "it links %s (cgo): TLS it makes through OpenSSL rather than "
                 "crypto/tls is covered",
                 j->t.objs[j->ssl].name);
    return NOT_COVERED;
}

static int verdict_static(struct doctor *dr, struct judged *j)
{
    char how[256];
    int ossl = elf_openssl_builtin(j->e, how, sizeof how);
    verdict(dr, "not covered: %s is statically linked%s: LD_PRELOAD cannot reach it", j->s->display,
            ossl ? " with OpenSSL built in" : "");
    if (ossl)
        evidence("openssl:", "%s", how);
    evidence("why:", "no PT_INTERP: no dynamic linker runs, so nothing reads LD_PRELOAD");
    return NOT_COVERED;
}

static int verdict_secure(struct doctor *dr, struct judged *j)
{
    verdict(dr,
            "not covered: %s %s: the dynamic linker ignores LD_PRELOAD for it "
            "(use /etc/ld.so.preload)",
            j->s->display, j->f.secure);
    if (j->ssl > 0) {
        evidence("but:", "%s: /etc/ld.so.preload would cover it", j->line);
        evidence_libssl(&j->t, j->ssl);
    }
    evidence_deps(&j->t);
    return NOT_COVERED;
}

/* libpq clients (psql) retry in cleartext after a refused handshake. */
static void evidence_cleartext_fallback(const struct tree *t)
{
    for (size_t i = 1; i < t->n; i++)
        if (!strncmp(t->objs[i].name, "libpq.so", 8)) {
            evidence("note:", "libpq's default sslmode=prefer retries without TLS when tlsguard "
                              "refuses the handshake: use sslmode=require or stronger");
            return;
        }
}

static int verdict_covered(struct doctor *dr, struct judged *j)
{
    verdict(dr, "covered: %s", j->line);
    if (!j->f.has_interp && j->e->type == ET_DYN)
        evidence("note:", "no program interpreter: a shared library; covered in the programs "
                          "that load it");
    evidence_libssl(&j->t, j->ssl);
    evidence_others(&j->t);
    evidence_cleartext_fallback(&j->t);
    evidence_deps(&j->t);
    return COVERED;
}

/* An interpreter whose TLS module decides: -1 when none does. */
static int verdict_interpreter(struct doctor *dr, struct judged *j)
{
    const struct probe *p = probe_for_name(base_of(j->s->path));
    if (!p)
        p = probe_for_name(base_of(j->s->display));
    if (p)
        return verdict_probe_run(dr, p, j->s);
    int py = tree_find_libpython(&j->t);
    return py > 0 ? verdict_python_embedded(dr, j->s, &j->t, py) : -1;
}

static int verdict_other_lib(struct doctor *dr, struct judged *j)
{
    const struct obj *o = &j->t.objs[j->other];
    const struct tg_tls_lib *l = tree_lib(&j->t, j->other);
    char via[2048], names[64];
    tree_chain(&j->t, j->other, 1, via, sizeof via);
    verdict(dr, "not covered: %s uses %s (%s), not %s%s%s", j->s->display, l->library, o->name,
            tg_tls_covered_names(names, sizeof names), *via ? ", via " : "", via);
    tree_chain(&j->t, j->other, 0, via, sizeof via);
    evidence("chain:", "%s", via);
    evidence("why:", "the shim interposes %s only", names);
    return NOT_COVERED;
}

static int verdict_missing(struct doctor *dr, struct judged *j)
{
    for (size_t i = 1; i < j->t.n; i++) {
        const struct obj *o = &j->t.objs[i];
        if (o->path)
            continue;
        verdict(dr,
                "not covered: %s cannot start here: %s (needed by %s) is not found, so "
                "which TLS library it uses cannot be told",
                j->s->display, o->name, j->t.objs[o->parent].name);
        evidence("why:", "ld.so would refuse to start it; ask again with the LD_LIBRARY_PATH "
                         "it runs with");
        return NOT_COVERED;
    }
    return -1;
}

/* The program links no covered library: look further, then say so. */
static int verdict_uncovered(struct doctor *dr, struct judged *j)
{
    int rc = j->t.missing ? -1 : verdict_interpreter(dr, j);
    if (rc >= 0)
        return rc;
    char how[256];
    if (j->other > 0)
        rc = verdict_other_lib(dr, j);
    else if (elf_openssl_builtin(j->e, how, sizeof how)) {
        verdict(dr,
                "not covered: %s has OpenSSL linked statically (built in): LD_PRELOAD "
                "cannot reach it",
                j->s->display);
        evidence("openssl:", "%s and no libssl is among its libraries", how);
        rc = NOT_COVERED;
    } else if ((rc = verdict_missing(dr, j)) < 0) {
        verdict(dr, "not covered: %s does not link any TLS library", j->s->display);
        evidence("note:", "it may still dlopen() one at run time (plugins); if it loads libssl "
                          "so, the shim does cover those connections");
        rc = NOT_COVERED;
    }
    evidence_deps(&j->t);
    return rc;
}

/* The program line of the evidence, and the facts its dynamic section gives. */
static int read_program(struct doctor *dr, struct judged *j)
{
    struct dyn d;
    struct elf *e = j->e;
    if (elf_dynamic(e, &d) != 0) {
        dyn_free(&d);
        return -1;
    }
    char kind[PATH_MAX + 128];
    snprintf(kind, sizeof kind, "ELF %d-bit %s %s, %s%s", e->cls == ELFCLASS64 ? 64 : 32,
             e->data == ELFDATA2LSB ? "LSB" : "MSB", machine_name(e->machine),
             d.has_interp             ? "dynamically linked, interpreter "
             : d.n_needed || d.soname ? "no interpreter: a shared library"
                                      : "statically linked",
             d.has_interp ? d.interp : "");
    j->f = (struct tg_cov_facts){ .is_elf = 1,
                                  .has_interp = d.has_interp,
                                  .n_needed = (int)d.n_needed,
                                  .has_soname = d.soname != NULL,
                                  .is_go = elf_is_go(e),
                                  .secure = tg_secure_exec_reason_of(j->s->path) };
    dyn_free(&d);
    evidence_first(dr, "program:", "%s (%s)", j->s->path, kind);
    return 0;
}

/* The tree and the TLS libraries in it (none for a static program). */
static int read_tree(struct doctor *dr, struct judged *j)
{
    j->ssl = j->other = -1;
    if (tg_cov_is_static(&j->f))
        return 0;
    if (tree_of(&dr->cache, &j->t, j->s->display, j->s->path, j->e) != 0)
        return j->f.is_go ? 0 : -1; /* a Go verdict needs no tree */
    j->ssl = tree_find_covered(&j->t);
    j->other = tree_find_other(&j->t);
    j->f.covered = tree_lib(&j->t, j->ssl);
    j->f.other = tree_lib(&j->t, j->other);
    if (j->ssl > 0) {
        char via[2048], version[96];
        const char *name = j->t.objs[j->ssl].name;
        tree_chain(&j->t, j->ssl, 1, via, sizeof via);
        snprintf(j->line, sizeof j->line, "%s links %s (%s)%s%s", j->s->display, name,
                 tls_lib_named(&j->t, j->ssl, version, sizeof version), *via ? " via " : "", via);
    }
    return 0;
}

int verdict_elf(struct doctor *dr, const struct subject *s, struct elf *e)
{
    struct judged j = { .s = s, .e = e };
    if (read_program(dr, &j) != 0 || read_tree(dr, &j) != 0) {
        tree_free(&j.t);
        dr->npending = 0;
        fprintf(stderr, "tlsguard doctor: %s: malformed ELF: cannot read its dynamic section\n",
                s->path);
        return USAGE;
    }
    int rc;
    switch (tg_cov_judge(&j.f)) {
    case TG_COV_GO:
        rc = verdict_go(dr, &j);
        break;
    case TG_COV_STATIC:
        rc = verdict_static(dr, &j);
        break;
    case TG_COV_SECURE_EXEC:
        rc = verdict_secure(dr, &j);
        break;
    case TG_COV_COVERED:
        rc = verdict_covered(dr, &j);
        break;
    default:
        rc = verdict_uncovered(dr, &j);
        break;
    }
    tree_free(&j.t);
    return rc;
}
