/*
 * cmd_run.c — `tlsguard run`: run a command with the shim preloaded
 * (prepended to any LD_PRELOAD it already has) and the settings as
 * environment; the shim keeps the whole process tree covered. Without
 * --report or --fail-on we exec the command, so its exit status is ours.
 * With them we wait for it: every process of the tree appends its
 * decisions (the log line, whatever the log destination) to the file named
 * by TLSGUARD_REPORT, and report.c reads them back.
 */
#include "tlsguard.h"
#include "env_names.h"
#include "log_dest.h"
#include "policy.h"
#include "report.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/*
 * exec COMMAND through the shim's own execvpe, so the command itself gets
 * the check every child of a covered process gets (one action=notice line
 * when LD_PRELOAD cannot cover it: setuid, static, Go, GnuTLS or NSS),
 * written where the policy sends the log; libc's execvp when the shim will
 * not load here (a sanitizer build). Returns only on failure.
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

int tg_find_library(char *out, unsigned long n)
{
    char exe[PATH_MAX];
    const char *env = getenv(tg_env_name[TG_ENV_LIB]);
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
                                 "%s/../lib64/libtlsguard.so",
                                 "%s/../lib/tlsguard/libtlsguard.so" };
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
    struct tg_policy *p = tg_tool_load_policy("run", path);
    if (!p)
        fprintf(stderr, "tlsguard run: the policy does not load: every TLS client connection "
                        "will fail\n");
    tg_policy_free(p);
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

struct run_opts {
    const char *report;      /* "table", "json" or NULL */
    const char *report_file; /* NULL: standard error */
    const char *fail_on;     /* "block", "audit" or NULL */
};

/* A private file for the tree's decisions, in TMPDIR. */
static int make_report_file(char *path, size_t n)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/tlsguard-report-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(path, n, "/tmp/tlsguard-report-XXXXXX");
        fd = mkstemp(path);
    }
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* Read the tree's decisions into rep. A `tlsguard run` inside another one
 * passes them on to the outer run's file, a whole line per write (O_APPEND:
 * never mixed with a line another process appends meanwhile). */
static void read_tree(struct tg_report *rep, const char *path, const char *outer)
{
    FILE *in = fopen(path, "r");
    int fd = outer ? open(outer, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (in && (n = getline(&line, &cap, in)) >= 0) {
        tg_report_add_line(rep, line, (size_t)n, NULL);
        if (fd >= 0 && write(fd, line, (size_t)n) < 0) {
            close(fd);
            fd = -1;
        }
    }
    free(line);
    if (in)
        fclose(in);
    if (fd >= 0)
        close(fd);
}

static int spawn_and_wait(const char *lib, char **cmd, int *status)
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "tlsguard run: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        exec_command(lib, cmd);
        fprintf(stderr, "tlsguard run: %s: %s\n", cmd[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    /* Like a shell: the command gets the terminal's signals, we wait. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

static void say_tripped(const struct tg_report *rep, const char *fail_on, int status)
{
    const struct tg_report_counts *c = tg_report_counts(rep);
    fprintf(stderr,
            "tlsguard run: --fail-on %s: %lu connection%s blocked, %lu would have been "
            "(audit); exit %d (the command ",
            fail_on, c->blocked, c->blocked == 1 ? "" : "s", c->audit, TG_EXIT_FAIL_ON);
    if (WIFSIGNALED(status))
        fprintf(stderr, "was killed by signal %d)\n", WTERMSIG(status));
    else
        fprintf(stderr, "exited %d)\n", WEXITSTATUS(status));
}

static int run_and_wait(const char *lib, char **cmd, const struct run_opts *o)
{
    char path[PATH_MAX];
    FILE *out = stderr;
    if (o->report_file && !(out = fopen(o->report_file, "w")))
        return tg_usage_error("run", "--report-file %s: %s", o->report_file, strerror(errno));
    if (make_report_file(path, sizeof path) != 0) {
        fprintf(stderr, "tlsguard run: cannot create the report file: %s\n", strerror(errno));
        return 127;
    }
    const char *outer_env = getenv(tg_env_name[TG_ENV_REPORT]);
    char *outer = outer_env && *outer_env ? strdup(outer_env) : NULL;
    setenv(tg_env_name[TG_ENV_REPORT], path, 1);
    int status = 0;
    int spawned = spawn_and_wait(lib, cmd, &status);
    struct tg_report *rep = tg_report_new();
    if (rep)
        read_tree(rep, path, outer);
    free(outer);
    unlink(path);
    if (spawned != 0 || !rep) {
        tg_report_free(rep);
        return 127;
    }
    int rc = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    int tripped = tg_report_fails(rep, o->fail_on);
    struct tg_report_run run = {
        .status = WIFSIGNALED(status) ? -1 : WEXITSTATUS(status),
        .signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
        .fail_on = o->fail_on,
        .exit_status = tripped ? TG_EXIT_FAIL_ON : rc,
    };
    if (o->report && !strcmp(o->report, "json"))
        tg_report_print_json(rep, out, &run);
    else if (o->report)
        tg_report_print_table(rep, out, 0);
    if (out != stderr && fclose(out) != 0)
        fprintf(stderr, "tlsguard run: --report-file %s: %s\n", o->report_file, strerror(errno));
    if (tripped)
        say_tripped(rep, o->fail_on, status);
    tg_report_free(rep);
    return run.exit_status;
}

/* --report, --report=FORMAT or --report FORMAT (table, json). */
static int report_option(int argc, char **argv, int *i, struct run_opts *o)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--report")) {
        o->report = "table";
        if (*i + 1 < argc && (!strcmp(argv[*i + 1], "table") || !strcmp(argv[*i + 1], "json")))
            o->report = argv[++*i];
        return 1;
    }
    if (!strncmp(a, "--report=", 9)) {
        if (strcmp(a + 9, "table") && strcmp(a + 9, "json"))
            return -1;
        o->report = a + 9;
        return 1;
    }
    return 0;
}

/* Parse the options; returns the index of COMMAND, or -(exit status). */
static int parse_run_args(int argc, char **argv, struct run_opts *o)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *v;
        int err, r;
        if (!strcmp(argv[i], "--"))
            return i + 1;
        if (tg_is_help(argv[i]))
            return -tg_help("run");
        if ((r = report_option(argc, argv, &i, o)) != 0) {
            if (r < 0)
                return -tg_usage_error("run", "--report takes table or json");
        } else if ((v = tg_opt_value(argc, argv, &i, "--report-file", &err)) || err) {
            if (!v || !*v)
                return -tg_usage_error("run", "--report-file needs a PATH");
            o->report_file = v;
            o->report = o->report ? o->report : "table";
        } else if ((v = tg_opt_value(argc, argv, &i, "--fail-on", &err)) || err) {
            if (!v || (strcmp(v, "block") && strcmp(v, "audit")))
                return -tg_usage_error("run", "--fail-on takes block or audit");
            o->fail_on = v;
        } else if ((v = tg_opt_value(argc, argv, &i, "--policy", &err)) || err) {
            if (!v || !*v)
                return -tg_usage_error("run", "--policy needs a FILE");
            char *abs = realpath(v, NULL);
            setenv(tg_env_name[TG_ENV_POLICY], abs ? abs : v, 1);
            precheck_policy(abs ? abs : v);
            free(abs);
        } else if (!strcmp(argv[i], "--audit")) {
            setenv(tg_env_name[TG_ENV_MODE], "audit", 1);
        } else if ((v = tg_opt_value(argc, argv, &i, "--log", &err)) || err) {
            enum tg_log_kind kind;
            if (tg_log_dest_parse(v, &kind) != 0)
                return -tg_usage_error("run", "--log takes stderr, syslog, none or an "
                                              "absolute path");
            setenv(tg_env_name[TG_ENV_LOG], v, 1);
        } else if (argv[i][0] == '-') {
            return -tg_unknown_option("run", argv[i]);
        } else {
            return i;
        }
    }
    return i;
}

int tg_cmd_run(int argc, char **argv)
{
    struct run_opts o = { 0 };
    int i = parse_run_args(argc, argv, &o);
    if (i <= 0)
        return -i;
    if (i >= argc)
        return tg_usage_error("run", "no COMMAND given");
    char lib[PATH_MAX];
    if (tg_find_library(lib, sizeof lib) != 0) {
        fprintf(stderr, "tlsguard run: cannot find libtlsguard.so (set TLSGUARD_LIB)\n");
        return 127;
    }
    if (prepend_preload(lib) != 0)
        return 127;
    if (o.report || o.fail_on)
        return run_and_wait(lib, argv + i, &o);
    exec_command(lib, argv + i);
    fprintf(stderr, "tlsguard run: %s: %s\n", argv[i], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
