/*
 * probes.c — the one case where doctor runs the program: an interpreter that
 * loads OpenSSL only when a script asks for it, through a module of its own
 * (Python's _ssl, Ruby's openssl.so, Perl's Net::SSLeay), is asked where that
 * module is.  The code run is ours, never a script; variables that would
 * make the interpreter load other code (PERL5OPT, RUBYOPT, PYTHON*) are
 * dropped, and nothing from the current directory is imported.
 */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct probe_spec {
    struct probe p;
    const char *name;            /* "python": python, python3, python3.11 ... */
    const char *const *argv;     /* options before the code */
    const char *code;            /* prints the executable, then the module's file */
    const char *const *drop_env; /* variables not passed on ("PYTHON" drops PYTHON*) */
};

/* Python 2 has no -I: -E (no PYTHON* variables) and -s (no user site) work
 * in both, and the code drops the current directory from sys.path itself. */
static const char *const PY_ARGS[] = { "-E", "-s", "-c", NULL };
static const char PY_CODE[] = "import sys\n"
                              "sys.path[:] = [p for p in sys.path if p not in ('', '.')]\n"
                              "print(sys.executable)\n"
                              "import _ssl\n"
                              "print(getattr(_ssl, '__file__', '(built-in)'))\n";
static const char *const RUBY_ARGS[] = { "--disable-gems", "-e", NULL };
static const char RUBY_CODE[] =
    "require 'rbconfig'; require 'openssl'\n"
    "puts RbConfig.ruby\n"
    "puts($LOADED_FEATURES.find { |f| f.end_with?('/openssl.so') } || '(built-in)')\n";
static const char *const PERL_ARGS[] = { "-e", NULL };
static const char PERL_CODE[] = "require Net::SSLeay;\n"
                                "print \"$^X\\n\";\n"
                                "print((grep { m{/SSLeay\\.so$} } "
                                "@DynaLoader::dl_shared_objects)[0] // '(built-in)', \"\\n\");\n";
static const char *const PY_ENV[] = { "PYTHON", NULL };
static const char *const RUBY_ENV[] = { "RUBYOPT", "RUBYLIB", NULL };
static const char *const PERL_ENV[] = { "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB", NULL };

static const struct probe_spec SPECS[] = {
    { .p = { .lang = "python", .module = "_ssl", .missing = "_ssl", .shown = "import _ssl" },
      .name = "python",
      .argv = PY_ARGS,
      .code = PY_CODE,
      .drop_env = PY_ENV },
    { .p = { .lang = "ruby",
             .module = "openssl",
             .missing = "openssl",
             .shown = "require 'openssl'" },
      .name = "ruby",
      .argv = RUBY_ARGS,
      .code = RUBY_CODE,
      .drop_env = RUBY_ENV },
    { .p = { .lang = "perl",
             .module = "Net::SSLeay",
             .missing = "Net/SSLeay",
             .shown = "require Net::SSLeay" },
      .name = "perl",
      .argv = PERL_ARGS,
      .code = PERL_CODE,
      .drop_env = PERL_ENV },
};

/* NAME, NAME3, NAME3.11, python3.11d ... but not python3-config or perldoc. */
static int is_named(const char *base, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(base, name, n))
        return 0;
    const char *p = base + n;
    while ((*p >= '0' && *p <= '9') || *p == '.')
        p++;
    if (!strcmp(name, "python") && (*p == 'd' || *p == 'm' || *p == 'u'))
        p++;
    return *p == '\0';
}

const struct probe *probe_for_name(const char *base)
{
    for (size_t i = 0; i < sizeof SPECS / sizeof *SPECS; i++)
        if (is_named(base, SPECS[i].name))
            return &SPECS[i].p;
    return NULL;
}

static const struct probe_spec *spec_of(const struct probe *p)
{
    return (const struct probe_spec *)((const char *)p - offsetof(struct probe_spec, p));
}

static int dropped(const char *var, const char *const *drop)
{
    for (size_t k = 0; drop[k]; k++)
        if (!strncmp(var, drop[k], strlen(drop[k])))
            return 1;
    return 0;
}

/* In the child: stdin from /dev/null, stdout and stderr to the pipes. */
static void exec_probe(const struct probe_spec *s, const char *path, int out, int err)
{
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    char *argv[8];
    size_t a = 0;
    argv[a++] = (char *)path;
    for (size_t k = 0; s->argv[k] && a < 6; k++)
        argv[a++] = (char *)s->argv[k];
    argv[a++] = (char *)s->code;
    argv[a] = NULL;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    for (size_t i = 0, k = 0; env && i < n; i++)
        if (!dropped(environ[i], s->drop_env))
            env[k++] = environ[i];
    execve(path, argv, env ? env : environ);
    dprintf(2, "cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sink {
    char *buf;
    size_t cap, len;
};

/* Read both pipes until they close or the deadline passes; 1 on time-out. */
static int collect(int fds[2], struct sink sinks[2], long long deadline)
{
    struct pollfd pf[2] = { { .fd = fds[0], .events = POLLIN },
                            { .fd = fds[1], .events = POLLIN } };
    int open_fds = 2, timed_out = 0;
    while (open_fds > 0) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int r = poll(pf, 2, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        for (int k = 0; k < 2; k++) {
            if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[1024];
            ssize_t n = read(pf[k].fd, buf, sizeof buf);
            if (n <= 0) {
                close(pf[k].fd);
                pf[k].fd = -1;
                open_fds--;
                continue;
            }
            struct sink *s = &sinks[k];
            size_t m = (size_t)n < s->cap - 1 - s->len ? (size_t)n : s->cap - 1 - s->len;
            memcpy(s->buf + s->len, buf, m);
            s->len += m;
        }
    }
    for (int k = 0; k < 2; k++)
        if (pf[k].fd >= 0)
            close(pf[k].fd);
    return timed_out;
}

/* Both pipes closed is not the process gone: wait until the deadline. */
static int reap(pid_t pid, long long deadline, int *timed_out)
{
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, *timed_out ? 0 : WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (w == 0 && now_ms() >= deadline) {
            *timed_out = 1;
            kill(pid, SIGKILL);
        } else if (w == 0) {
            poll(NULL, 0, 10);
        }
    }
    return status;
}

/* The last non-empty line of stderr: the exception of a traceback. */
static void last_line(char *ebuf, size_t ew, char *err, size_t en)
{
    while (ew > 0 && (ebuf[ew - 1] == '\n' || ebuf[ew - 1] == '\r'))
        ebuf[--ew] = '\0';
    char *last = strrchr(ebuf, '\n');
    last = last ? last + 1 : ebuf;
    snprintf(err, en, "%s", last);
}

int probe_run(const struct probe *p, const char *path, char *out, size_t on, char *err, size_t en)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0)
        return snprintf(err, en, "pipe: %s", strerror(errno)), -1;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        close(po[0]), close(po[1]);
        return snprintf(err, en, "pipe: %s", strerror(errno)), -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        return snprintf(err, en, "fork: %s", strerror(errno)), -1;
    }
    if (pid == 0)
        exec_probe(spec_of(p), path, po[1], pe[1]);
    close(po[1]);
    close(pe[1]);
    char ebuf[4096];
    struct sink sinks[2] = { { .buf = out, .cap = on }, { .buf = ebuf, .cap = sizeof ebuf } };
    long long deadline = now_ms() + PROBE_TIMEOUT_MS;
    int fds[2] = { po[0], pe[0] };
    int timed_out = collect(fds, sinks, deadline);
    int status = reap(pid, deadline, &timed_out);
    out[sinks[0].len] = '\0';
    ebuf[sinks[1].len] = '\0';
    last_line(ebuf, sinks[1].len, err, en);
    if (timed_out) {
        snprintf(err, en, "no answer within %d s", PROBE_TIMEOUT_MS / 1000);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *probe_command(const struct probe *p, char *buf, size_t n)
{
    const struct probe_spec *s = spec_of(p);
    size_t w = 0;
    buf[0] = '\0';
    for (size_t k = 0; s->argv[k]; k++) {
        int r = snprintf(buf + w, n - w, "%s%s", k ? " " : "", s->argv[k]);
        if (r < 0 || (size_t)r >= n - w)
            break;
        w += (size_t)r;
    }
    return buf;
}
