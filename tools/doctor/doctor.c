/*
 * doctor.c — `tlsguard doctor PROGRAM`: can the shim reach PROGRAM's TLS?
 *
 * Prints one verdict line ("covered: ..." or "not covered: ...") and then the
 * evidence, two spaces in.  Exit 0 covered, 1 not covered, 2 usage error,
 * PROGRAM not found, or not a program we can read.
 *
 * PROGRAM is never executed, with one exception: an interpreter named like
 * Python, Ruby or Perl is asked where its OpenSSL module is (probes.c),
 * because it loads that module, and libssl with it, only when a script asks.
 * Everything else is read from the files (doctor.h lists who does what).
 * Some programs do their TLS in another program: git in git-remote-https,
 * Debian's pg_wrapper in the real psql; doctor follows them there.
 */
#include "doctor.h"
#include "tlsguard.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* PROGRAM as a path (it has a '/') or the first executable file in PATH. */
int find_program(const char *name, char *out, size_t on)
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

/* git's https:// transport: $GIT_EXEC_PATH, the distributions' git-core
 * directories, then PREFIX/libexec/git-core beside PREFIX/bin/git. */
static int git_https_helper(const char *git, char *out, size_t on)
{
    char prefix[PATH_MAX] = "";
    char *real = realpath(git, NULL);
    if (real) {
        snprintf(prefix, sizeof prefix, "%s", real);
        free(real);
        for (int k = 0; k < 2; k++) { /* PREFIX/bin/git -> PREFIX */
            char *slash = strrchr(prefix, '/');
            if (slash)
                *slash = '\0';
        }
    }
    const char *exec_path = getenv("GIT_EXEC_PATH");
    const char *dirs[] = { exec_path && *exec_path ? exec_path : NULL, "/usr/lib/git-core",
                           "/usr/libexec/git-core", NULL };
    char own[PATH_MAX + 32];
    snprintf(own, sizeof own, "%s/libexec/git-core", prefix);
    dirs[3] = prefix[0] ? own : NULL;
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        if (!dirs[i])
            continue;
        snprintf(out, on, "%s/git-remote-https", dirs[i]);
        if (access(out, X_OK) == 0)
            return 0;
    }
    return -1;
}

/* Debian's pg_wrapper runs /usr/lib/postgresql/VERSION/bin/NAME: the newest. */
static int pg_wrapper_target(const char *name, char *out, size_t on)
{
    char pat[PATH_MAX];
    glob_t g;
    snprintf(pat, sizeof pat, "/usr/lib/postgresql/*/bin/%s", name);
    if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
        globfree(&g);
        return -1;
    }
    /* glob sorts: "10" < "9" as strings, so compare the version numbers. */
    size_t best = 0;
    for (size_t i = 1; i < g.gl_pathc; i++)
        if (atoi(g.gl_pathv[i] + 20) > atoi(g.gl_pathv[best] + 20))
            best = i;
    snprintf(out, on, "%s", g.gl_pathv[best]);
    globfree(&g);
    return 0;
}

/* A program whose TLS happens in another one: follow it.  -1 when not. */
static int doctor_helper(struct doctor *dr, const char *display, const char *path, int depth)
{
    char target[PATH_MAX], shown[PATH_MAX * 2 + 64];
    char *real = realpath(path, NULL);
    const char *rbase = base_of(real ? real : path);
    int rc = -1;
    if (depth < MAX_SCRIPT_DEPTH && !strcmp(base_of(path), "git") &&
        git_https_helper(path, target, sizeof target) == 0) {
        evidence_first(dr, "helper:", "git makes its https:// connections in %s", target);
        snprintf(shown, sizeof shown, "%s (its https transport %s)", display, target);
        rc = doctor_file(dr, shown, target, depth + 1);
    } else if (depth < MAX_SCRIPT_DEPTH && !strcmp(rbase, "pg_wrapper") &&
               strcmp(base_of(path), "pg_wrapper") &&
               pg_wrapper_target(base_of(path), target, sizeof target) == 0) {
        evidence_first(dr, "wrapper:", "%s is Debian's pg_wrapper: it runs %s", path, target);
        snprintf(shown, sizeof shown, "%s (run as %s)", display, target);
        rc = doctor_file(dr, shown, target, depth + 1);
    }
    free(real);
    return rc;
}

/* The interpreter a #! line names (following `env NAME`), into target. */
static int script_interpreter(struct doctor *dr, const char *display, const char *path,
                              const struct elf *e, char *target, size_t tn)
{
    char line[512];
    size_t len = e->size < sizeof line - 1 ? e->size : sizeof line - 1;
    memcpy(line, e->map, len);
    line[len] = '\0';
    line[strcspn(line, "\n")] = '\0';
    char *p = line + 2;
    p += strspn(p, " \t");
    char *interp = p, *arg = NULL;
    p += strcspn(p, " \t");
    if (*p) {
        *p++ = '\0';
        arg = p + strspn(p, " \t");
    }
    if (!*interp) {
        fprintf(stderr, "tlsguard doctor: %s: a #! script naming no interpreter\n", path);
        return USAGE;
    }
    if (strcmp(base_of(interp), "env") || !arg) {
        snprintf(target, tn, "%s", interp);
        return -1;
    }
    /* `#!/usr/bin/env [-S] NAME ...`: NAME is looked up in PATH. */
    char *name = arg;
    while (*name == '-') { /* skip env's options (-S, -i) */
        name += strcspn(name, " \t");
        name += strspn(name, " \t");
    }
    name[strcspn(name, " \t")] = '\0';
    if (!*name || find_program(name, target, tn) != 0) {
        verdict(dr, "not covered: %s: its interpreter '%s' is not in PATH", display, name);
        return NOT_COVERED;
    }
    return -1;
}

/* A #! script: judge the interpreter it names. */
static int verdict_script(struct doctor *dr, const char *display, const char *path,
                          const struct elf *e, int depth)
{
    char target[PATH_MAX];
    int rc = script_interpreter(dr, display, path, e, target, sizeof target);
    if (rc >= 0)
        return rc;
    char shown[PATH_MAX + 256];
    snprintf(shown, sizeof shown, "%s (a script run by %s)", display, target);
    if (depth >= MAX_SCRIPT_DEPTH) {
        fprintf(stderr, "tlsguard doctor: %s: too many #! interpreters in a row\n", path);
        return USAGE;
    }
    evidence_first(dr, "script:",
                   "%s runs %s; the programs it starts inherit LD_PRELOAD: "
                   "check them too",
                   path, target);
    return doctor_file(dr, shown, target, depth + 1);
}

/* A #! script named like an interpreter (pyenv's shims are bash scripts):
 * it is what runs when the user types the name, so ask it. */
static int verdict_wrapper_script(struct doctor *dr, const struct subject *s)
{
    const struct probe *p = probe_for_name(base_of(s->path));
    if (!p)
        return -1;
    evidence_first(dr, "program:", "%s (a #! script named like %s: asked it)", s->path, p->lang);
    int rc = verdict_probe_run(dr, p, s);
    if (rc < 0)
        dr->npending--;
    return rc;
}

int doctor_file(struct doctor *dr, const char *display, const char *path, int depth)
{
    int rc = doctor_helper(dr, display, path, depth);
    if (rc >= 0)
        return rc;
    struct elf e;
    char why[256];
    int r = elf_open(path, &e, why, sizeof why);
    if (r < 0) {
        fprintf(stderr, "tlsguard doctor: %s: %s\n", path, why);
        return USAGE;
    }
    struct subject s = { .display = display, .path = path };
    if (r == 1 && e.size > 2 && e.map[0] == '#' && e.map[1] == '!') {
        rc = verdict_wrapper_script(dr, &s);
        if (rc < 0)
            rc = verdict_script(dr, display, path, &e, depth);
    } else if (r == 1) {
        fprintf(stderr, "tlsguard doctor: %s: not an ELF program nor a #! script\n", path);
        rc = USAGE;
    } else {
        rc = verdict_elf(dr, &s, &e);
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
    struct doctor dr = { .npending = 0 };
    int rc = doctor_file(&dr, argv[1], path, 0);
    ldcache_close(&dr.cache);
    fflush(stdout);
    return rc;
}
