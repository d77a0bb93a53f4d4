/*
 * compat_probe.c — references every function shim/libc/glibc_compat.h binds, so
 * that test_glibc_floor.sh can check the header itself (not only what the
 * shim happens to call today).  Built as a shared object with
 *   -D_FORTIFY_SOURCE=2 -include shim/libc/glibc_compat.h shim/libc/glibc_compat.c
 *   [-D_FILE_OFFSET_BITS=64]
 * and once with neither header nor glibc_compat.c (which must then need
 * versions above the floor: the check can see a violation); never run.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void nothing(void)
{
}
static void *thread(void *arg)
{
    return arg;
}

int tg_probe(const char *path, int fd, char *out);

/* With -D_FORTIFY_SOURCE=2: memcpy into a buffer of unknown size stays
 * memcpy (@@GLIBC_2.14 unbound), poll on an array of known size with a
 * variable count is __poll_chk (2.16), FD_SET of a variable fd is
 * __fdelt_chk (2.15). */
static long fortified(const char *path, int fd, char *out)
{
    struct pollfd fds[2];
    fd_set set;
    memset(fds, 0, sizeof fds);
    FD_ZERO(&set);
    FD_SET(fd, &set);
    memcpy(out, path, (size_t)fd);
    return poll(fds, (nfds_t)fd, 0) + FD_ISSET(fd, &set);
}

int tg_probe(const char *path, int fd, char *out)
{
    struct stat st;
    Dl_info info;
    pthread_key_t key;
    pthread_mutex_t m;
    pthread_mutexattr_t ma;
    pthread_rwlock_t rw;
    pthread_spinlock_t spin;
    pthread_t t;
    sem_t sem;
    sigset_t set;
    long n = 0;
    int v = 0;
    char name[16];

    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    n += dlsym(h, "x") != NULL;
    n += dlvsym(h, "x", "V") != NULL;
    n += dladdr((void *)tg_probe, &info);
    n += dlerror() != NULL;
    n += dlclose(h);
    n += pthread_once(&once, nothing);
    n += pthread_key_create(&key, NULL);
    n += pthread_setspecific(key, &n);
    n += pthread_getspecific(key) != NULL;
    n += pthread_key_delete(key);
    n += pthread_mutexattr_init(&ma);
    n += pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    n += pthread_mutex_init(&m, &ma);
    n += pthread_mutex_trylock(&m);
    n += pthread_mutex_unlock(&m);
    n += pthread_mutexattr_destroy(&ma);
    n += pthread_rwlock_init(&rw, NULL);
    n += pthread_rwlock_rdlock(&rw);
    n += pthread_rwlock_unlock(&rw);
    n += pthread_rwlock_wrlock(&rw);
    n += pthread_rwlock_unlock(&rw);
    n += pthread_rwlock_destroy(&rw);
    n += pthread_spin_init(&spin, 0);
    n += pthread_spin_lock(&spin);
    n += pthread_spin_unlock(&spin);
    n += pthread_spin_destroy(&spin);
    n += pthread_create(&t, NULL, thread, NULL);
    n += pthread_getname_np(t, name, sizeof name);
    n += pthread_join(t, NULL);
    n += sigemptyset(&set);
    n += pthread_sigmask(SIG_BLOCK, &set, NULL);
    n += sem_init(&sem, 0, 1);
    n += sem_wait(&sem);
    n += sem_post(&sem);
    n += sem_destroy(&sem);
    n += stat(path, &st);
    n += lstat(path, &st);
    n += fstat(fd, &st);
    n += fstatat(fd, path, &st, 0);
    n += fcntl(fd, F_GETFL);
    n += strtol(path, NULL, 10);
    n += (long)strtoul(path, NULL, 10);
    n += sscanf(path, "%d", &v);
    n += fortified(path, fd, out);
    return (int)n + v;
}
