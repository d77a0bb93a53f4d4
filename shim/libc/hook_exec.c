/*
 * hook_exec.c — the whole process tree stays covered.
 *
 * A child started with a cleaned environment (env -i, a daemon's scrubbed
 * environ, an explicit envp) would run without the shim. Every exec and
 * posix_spawn road gets an environment that carries LD_PRELOAD with this
 * library and the TLSGUARD_* settings this process started with. A child the
 * shim cannot cover (setuid/setgid, file capabilities, statically linked, Go,
 * linking GnuTLS or NSS rather than OpenSSL) is logged as not covered.
 *
 * Exec may run in a vfork child: nothing here allocates; the new
 * environment lives on the stack.
 */
#include "exec_env.h"
#include "init.h"
#include "log.h"
#include "once.h"

#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

static execve_fn real_execve;
static execvpe_fn real_execvpe;
static fexecve_fn real_fexecve;
static spawn_fn real_posix_spawn, real_posix_spawnp;
static tg_once_t once = TG_ONCE_INIT;

static void resolve(void)
{
    *(void **)&real_execve = dlsym(RTLD_NEXT, "execve");
    *(void **)&real_execvpe = dlsym(RTLD_NEXT, "execvpe");
    *(void **)&real_fexecve = dlsym(RTLD_NEXT, "fexecve");
    *(void **)&real_posix_spawn = dlsym(RTLD_NEXT, "posix_spawn");
    *(void **)&real_posix_spawnp = dlsym(RTLD_NEXT, "posix_spawnp");
    tg_init();
}

/* Run `call` with `envp` replaced by the covered environment. */
#define WITH_COVERED_ENV(envp, covered, call)                                                      \
    do {                                                                                           \
        size_t n_ = tg_exec_env_size(envp);                                                        \
        char *slots_[n_];                                                                          \
        char buf_[TG_EXEC_ENV_BUF];                                                                \
        char *const *covered = tg_exec_env_build(envp, slots_, n_, buf_, sizeof buf_);             \
        call;                                                                                      \
    } while (0)

TG_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    int r;
    tg_once(&once, resolve);
    if (!real_execve) {
        errno = ENOSYS;
        return -1;
    }
    tg_exec_check_target(path, 0);
    WITH_COVERED_ENV(envp, env, r = real_execve(path, argv, env));
    return r;
}

TG_EXPORT int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

TG_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    int r;
    tg_once(&once, resolve);
    if (!real_execvpe) {
        errno = ENOSYS;
        return -1;
    }
    tg_exec_check_target(file, 1);
    WITH_COVERED_ENV(envp, env, r = real_execvpe(file, argv, env));
    return r;
}

TG_EXPORT int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

TG_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    int r;
    tg_once(&once, resolve);
    if (!real_fexecve) {
        errno = ENOSYS;
        return -1;
    }
    WITH_COVERED_ENV(envp, env, r = real_fexecve(fd, argv, env));
    return r;
}

/* execl, execlp, execle: collect the variadic arguments into an argv on
 * the stack, then take the road above. */
#define COLLECT_ARGS(first, ap, argv)                                                              \
    size_t argc_ = 1;                                                                              \
    va_start(ap, first);                                                                           \
    while (va_arg(ap, char *))                                                                     \
        argc_++;                                                                                   \
    va_end(ap);                                                                                    \
    char *argv[argc_ + 1];                                                                         \
    argv[0] = (char *)(first);                                                                     \
    va_start(ap, first);                                                                           \
    for (size_t i_ = 1; i_ <= argc_; i_++)                                                         \
        argv[i_] = va_arg(ap, char *);

TG_EXPORT int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv)
    va_end(ap);
    return execve(path, argv, environ);
}

TG_EXPORT int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv)
    va_end(ap);
    return execvpe(file, argv, environ);
}

TG_EXPORT int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv)
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    return execve(path, argv, envp);
}

TG_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    int r;
    tg_once(&once, resolve);
    if (!real_posix_spawn)
        return ENOSYS;
    tg_exec_check_target(path, 0);
    WITH_COVERED_ENV(envp, env, r = real_posix_spawn(pid, path, fa, attr, argv, env));
    return r;
}

TG_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    int r;
    tg_once(&once, resolve);
    if (!real_posix_spawnp)
        return ENOSYS;
    tg_exec_check_target(file, 1);
    WITH_COVERED_ENV(envp, env, r = real_posix_spawnp(pid, file, fa, attr, argv, env));
    return r;
}
