/*
 * cmd_run.c — `tlsguard run`: run a command with the shim preloaded
 * (prepended to any LD_PRELOAD it already has) and the settings as
 * environment; the shim keeps the whole process tree covered. Without
 * --report we exec the command, so its exit status is ours; with --report we
 * wait for it, print what every process of the tree did, and exit as it did.
 */
#include "tlsguard.h"
#include "policy.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define RUN_USAGE "usage: tlsguard run [--policy FILE] [--audit] [--log DEST] [--report] -- COMMAND [ARGS...]\n"

int tg_find_library(char *out, unsigned long n)
{
    char exe[PATH_MAX];
    const char *env = getenv("TLSGUARD_LIB");
    if (env && *env && access(env, R_OK) == 0) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    const char *dir = dirname(exe);
    /* Beside the binary (the build tree), or PREFIX/lib (PREFIX/lib64 on RPM
     * distributions) for PREFIX/bin. */
    const char *candidates[] = { "%s/libtlsguard.so", "%s/../lib/libtlsguard.so",
                                 "%s/../lib64/libtlsguard.so", "%s/../lib/tlsguard/libtlsguard.so" };
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, candidates[i], dir);
        char *real = realpath(path, NULL);
        if (real && access(real, R_OK) == 0) {
            snprintf(out, n, "%s", real);
            free(real);
            return 0;
        }
        free(real);
    }
    return -1;
}

/* Say now what the shim will say at the first connection: a policy that
 * does not load makes every TLS connection fail. */
static void precheck_policy(const char *path)
{
    struct tg_diags d;
    memset(&d, 0, sizeof d);
    struct tg_policy *p = tg_policy_load_file(path, &d);
    for (size_t i = 0; !p && i < d.count; i++) {
        char line[512];
        if (d.items[i].is_warning)
            continue;
        tg_diag_format(&d, i, line, sizeof line);
        fprintf(stderr, "tlsguard run: %s\n", line);
    }
    if (!p)
        fprintf(stderr, "tlsguard run: the policy does not load: every TLS client connection "
                        "will fail\n");
    tg_policy_free(p);
    tg_diags_free(&d);
}

static int prepend_preload(const char *lib)
{
    const char *old = getenv("LD_PRELOAD");
    if (!old || !*old)
        return setenv("LD_PRELOAD", lib, 1);
    size_t need = strlen(lib) + strlen(old) + 2;
    char *both = malloc(need);
    if (!both)
        return -1;
    snprintf(both, need, "%s:%s", lib, old);
    int r = setenv("LD_PRELOAD", both, 1);
    free(both);
    return r;
}

/*
 * exec COMMAND through the shim's own execvp, so the command itself gets the
 * check every child of a covered process gets (one action=notice line when
 * LD_PRELOAD cannot cover it: setuid, static, Go, GnuTLS or NSS), written
 * where the policy sends the log.  libc's execvp when the shim will not load
 * here (a sanitizer build); returns only on failure.
 */
static void exec_command(const char *lib, char **cmd)
{
    /* execvpe itself: the shim's execvp would reach libc's execvpe, the
     * first in this process's global scope. */
    void *shim = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    int (*shim_execvpe)(const char *, char *const[], char *const[]) = NULL;
    if (shim)
        *(void **)&shim_execvpe = dlsym(shim, "execvpe");
    if (shim_execvpe)
        shim_execvpe(cmd[0], cmd, environ);
    else
        execvp(cmd[0], cmd);
}

struct row {
    char key[512]; /* host, port, protocol, verdict: the report's columns */
    unsigned long count;
};

/* The report: one tab-separated line per connection, from every process of
 * the tree; printed grouped, with counts. */
static void print_report(const char *path)
{
    FILE *f = fopen(path, "r");
    struct row *rows = NULL;
    size_t n = 0, cap = 0;
    unsigned long total = 0, blocked = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        size_t i;
        for (i = 0; i < n && strcmp(rows[i].key, line); i++)
            ;
        if (i == n) {
            if (n == cap) {
                struct row *bigger = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof *rows);
                if (!bigger)
                    break;
                rows = bigger;
            }
            snprintf(rows[n].key, sizeof rows[n].key, "%s", line);
            rows[n++].count = 0;
        }
        rows[i].count++;
        total++;
        if (strstr(line, "\tblock"))
            blocked++;
    }
    if (f)
        fclose(f);
    fprintf(stderr, "tlsguard report: %lu TLS connection%s, %lu blocked\n", total,
            total == 1 ? "" : "s", blocked);
    if (n)
        fprintf(stderr, "  %-32s %-6s %-9s %-7s %s\n", "HOST", "PORT", "PROTOCOL", "VERDICT", "COUNT");
    for (size_t i = 0; i < n; i++) {
        char host[300] = "", port[16] = "", proto[32] = "", verdict[16] = "";
        sscanf(rows[i].key, "%299[^\t]\t%15[^\t]\t%31[^\t]\t%15s", host, port, proto, verdict);
        fprintf(stderr, "  %-32s %-6s %-9s %-7s %lu\n", host, port, proto, verdict, rows[i].count);
    }
    free(rows);
}

static int run_with_report(const char *lib, char **cmd)
{
    char path[] = "/tmp/tlsguard-report-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "tlsguard run: cannot create the report file: %s\n", strerror(errno));
        return 127;
    }
    close(fd);
    setenv("TLSGUARD_REPORT", path, 1);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "tlsguard run: fork: %s\n", strerror(errno));
        unlink(path);
        return 127;
    }
    if (pid == 0) {
        exec_command(lib, cmd);
        fprintf(stderr, "tlsguard run: %s: %s\n", cmd[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    /* Like a shell: the command gets the terminal's signals, we wait. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    print_report(path);
    unlink(path);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int tg_cmd_run(int argc, char **argv)
{
    int i = 1, report = 0;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
            char *abs = realpath(argv[++i], NULL);
            setenv("TLSGUARD_POLICY", abs ? abs : argv[i], 1);
            precheck_policy(abs ? abs : argv[i]);
            free(abs);
        } else if (!strcmp(argv[i], "--audit")) {
            setenv("TLSGUARD_MODE", "audit", 1);
        } else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
            const char *dest = argv[++i];
            if (strcmp(dest, "stderr") && strcmp(dest, "syslog") && strcmp(dest, "none") &&
                dest[0] != '/') {
                fprintf(stderr, "tlsguard run: --log takes stderr, syslog, none or an absolute path\n");
                return 2;
            }
            setenv("TLSGUARD_LOG", dest, 1);
        } else if (!strcmp(argv[i], "--report")) {
            report = 1;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "tlsguard run: unknown option '%s'\n" RUN_USAGE, argv[i]);
            return 2;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, RUN_USAGE);
        return 2;
    }
    char lib[PATH_MAX];
    if (tg_find_library(lib, sizeof lib) != 0) {
        fprintf(stderr, "tlsguard run: cannot find libtlsguard.so (set TLSGUARD_LIB)\n");
        return 127;
    }
    if (prepend_preload(lib) != 0)
        return 127;
    if (report)
        return run_with_report(lib, argv + i);
    exec_command(lib, argv + i);
    fprintf(stderr, "tlsguard run: %s: %s\n", argv[i], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
