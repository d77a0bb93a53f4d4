/*
 * glibc_compat.h — keep libtlsguard.so loadable on glibc 2.12 (CentOS 6)
 * when it is built on a newer glibc.
 *
 * Forced into every translation unit of the library by the Makefile
 * (`-include shim/libc/glibc_compat.h` in the $(LIB) rule), before any other
 * header; including it again from a .c file is harmless.
 *
 * Why: a reference to a versioned symbol is bound to the default version of
 * the glibc the library was LINKED against.  glibc 2.34 moved libdl and
 * libpthread into libc and gave the moved functions a new default version
 * (dlsym@@GLIBC_2.34, pthread_once@@GLIBC_2.34), glibc 2.33 made stat/fstat
 * real symbols (fstat@@GLIBC_2.33; before, <sys/stat.h> inlined a call to
 * __fxstat), 2.28 added fcntl64, 2.38 the __isoc23_* parsers and 2.14 a new
 * memcpy.  A library that needs a version the running glibc lacks is
 * refused by the dynamic linker ("version `GLIBC_2.14' not found"): the
 * program does not start at all, and through /etc/ld.so.preload no program
 * on the host does.
 *
 * What: each function below is bound with `.symver` to the version it had
 * in glibc <= 2.12 on x86_64.  Newer glibc still exports every one of these
 * old versions (as compatibility symbols), so the same binary keeps working
 * there.  On glibc < 2.34 the dl* and most pthread_* functions live in
 * libdl.so.2 and libpthread.so.0: the library names libdl in DT_NEEDED (the
 * Makefile links it with --no-as-needed; on glibc >= 2.34 `-ldl` finds only
 * an empty archive and would add nothing) and calls only the pthread_mutex_*
 * libc.so.6 always had, so that it needs no libpthread (pthread_once is
 * shim/core/once.h's tg_once).
 * _FORTIFY_SOURCE's checking wrappers are all GLIBC_2.3.4..2.11 except
 * __fdelt_chk (2.15, FD_SET) and __poll_chk (2.16): shim/libc/glibc_compat.c
 * defines those two inside the library.  getauxval (2.16) and secure_getenv
 * (2.17) are looked up at run time by shim/libc/secure_env.c, never linked.
 *
 * Deliberately NOT bound: functions whose old version has other semantics
 * (glob@GLIBC_2.2.5, fmemopen@GLIBC_2.2.5, quick_exit@GLIBC_2.10), and
 * functions that lived in librt/libresolv/libutil/libanl before 2.34 (aio_*,
 * mq_*, shm_*, timer_*, clock_gettime before 2.17, ns_*, openpty, ...): the
 * library links none of those, so using one must show up as a failure of
 * tests/install/test_glibc_floor.sh instead of a silent load error on
 * CentOS 6/7.  Functions that only exist in newer glibc (getrandom 2.25,
 * explicit_bzero 2.25, reallocarray 2.26, strlcpy 2.38, ...) cannot be
 * bound at all: that test names them.
 *
 * Only x86_64 glibc is handled: version names differ on other
 * architectures (aarch64 starts at GLIBC_2.17, for instance), where nothing
 * here applies.
 */
#ifndef TG_GLIBC_COMPAT_H
#define TG_GLIBC_COMPAT_H

/* Brings in <features.h> (and so __GLIBC__), and struct stat for the
 * wrappers below.  _GNU_SOURCE comes from the command line (CSTD). */
#include <sys/stat.h>

#if defined(__GLIBC__) && defined(__x86_64__) && !defined(__ILP32__) && !defined(TG_NO_GLIBC_COMPAT)

#define TG_SYMVER(name, real) __asm__(".symver " #name "," #real)

/*
 * A .symver on a name the file never references emits nothing (checked with
 * gas 2.40: no undefined symbol appears in the object), so the list can be
 * generous.
 */

/* ---- libdl (libdl.so.2 before 2.34; @@GLIBC_2.34 in libc since) -------- */
/* symbol@VERSION must stay one token for .symver: */
/* clang-format off */
#ifdef TG_SHIM_LIB
/* The library itself imports none of these four: shim/libc/dl_entry.c
 * finds them at run time, so that libdl.so.2 need not be in DT_NEEDED (and
 * in every symbol lookup of the process). The other dl* stay bound to
 * libdl's versions below: a use of one shows up in test_glibc_floor.sh as
 * an import libdl would have to provide. */
#define dlopen  tg_dlopen
#define dlsym   tg_dlsym
#define dlvsym  tg_dlvsym
#define dlclose tg_dlclose
#else
TG_SYMVER(dlopen, dlopen@GLIBC_2.2.5);
TG_SYMVER(dlsym, dlsym@GLIBC_2.2.5);
TG_SYMVER(dlvsym, dlvsym@GLIBC_2.2.5);
TG_SYMVER(dlclose, dlclose@GLIBC_2.2.5);
#endif
TG_SYMVER(dlerror, dlerror@GLIBC_2.2.5);
TG_SYMVER(dladdr, dladdr@GLIBC_2.2.5);
TG_SYMVER(dladdr1, dladdr1@GLIBC_2.3.3);
TG_SYMVER(dlinfo, dlinfo@GLIBC_2.3.3);
TG_SYMVER(dlmopen, dlmopen@GLIBC_2.3.4);

/* ---- libpthread (libpthread.so.0 before 2.34; @@GLIBC_2.34 since) ------ */
/* pthread_mutex_lock/unlock/init/destroy, pthread_cond_*, pthread_self and
 * pthread_equal kept their old default version (libc always had them), and
 * pthread_atfork is __register_atfork@GLIBC_2.3.2 from libc_nonshared.a:
 * none of those needs a binding. */
TG_SYMVER(pthread_once, pthread_once@GLIBC_2.2.5);
TG_SYMVER(pthread_key_create, pthread_key_create@GLIBC_2.2.5);
TG_SYMVER(pthread_key_delete, pthread_key_delete@GLIBC_2.2.5);
TG_SYMVER(pthread_getspecific, pthread_getspecific@GLIBC_2.2.5);
TG_SYMVER(pthread_setspecific, pthread_setspecific@GLIBC_2.2.5);
TG_SYMVER(pthread_mutex_trylock, pthread_mutex_trylock@GLIBC_2.2.5);
TG_SYMVER(pthread_mutex_timedlock, pthread_mutex_timedlock@GLIBC_2.2.5);
TG_SYMVER(pthread_mutexattr_init, pthread_mutexattr_init@GLIBC_2.2.5);
TG_SYMVER(pthread_mutexattr_destroy, pthread_mutexattr_destroy@GLIBC_2.2.5);
TG_SYMVER(pthread_mutexattr_settype, pthread_mutexattr_settype@GLIBC_2.2.5);
TG_SYMVER(pthread_mutexattr_gettype, pthread_mutexattr_gettype@GLIBC_2.2.5);
TG_SYMVER(pthread_rwlock_init, pthread_rwlock_init@GLIBC_2.2.5);
TG_SYMVER(pthread_rwlock_destroy, pthread_rwlock_destroy@GLIBC_2.2.5);
TG_SYMVER(pthread_rwlock_rdlock, pthread_rwlock_rdlock@GLIBC_2.2.5);
TG_SYMVER(pthread_rwlock_wrlock, pthread_rwlock_wrlock@GLIBC_2.2.5);
TG_SYMVER(pthread_rwlock_tryrdlock, pthread_rwlock_tryrdlock@GLIBC_2.2.5);
TG_SYMVER(pthread_rwlock_trywrlock, pthread_rwlock_trywrlock@GLIBC_2.2.5);
TG_SYMVER(pthread_rwlock_unlock, pthread_rwlock_unlock@GLIBC_2.2.5);
TG_SYMVER(pthread_create, pthread_create@GLIBC_2.2.5);
TG_SYMVER(pthread_join, pthread_join@GLIBC_2.2.5);
TG_SYMVER(pthread_detach, pthread_detach@GLIBC_2.2.5);
TG_SYMVER(pthread_kill, pthread_kill@GLIBC_2.2.5);
TG_SYMVER(pthread_sigmask, pthread_sigmask@GLIBC_2.2.5);
TG_SYMVER(pthread_cancel, pthread_cancel@GLIBC_2.2.5);
TG_SYMVER(pthread_testcancel, pthread_testcancel@GLIBC_2.2.5);
TG_SYMVER(pthread_spin_init, pthread_spin_init@GLIBC_2.2.5);
TG_SYMVER(pthread_spin_destroy, pthread_spin_destroy@GLIBC_2.2.5);
TG_SYMVER(pthread_spin_lock, pthread_spin_lock@GLIBC_2.2.5);
TG_SYMVER(pthread_spin_trylock, pthread_spin_trylock@GLIBC_2.2.5);
TG_SYMVER(pthread_spin_unlock, pthread_spin_unlock@GLIBC_2.2.5);
TG_SYMVER(pthread_setname_np, pthread_setname_np@GLIBC_2.12);
TG_SYMVER(pthread_getname_np, pthread_getname_np@GLIBC_2.12);
TG_SYMVER(sem_init, sem_init@GLIBC_2.2.5);
TG_SYMVER(sem_destroy, sem_destroy@GLIBC_2.2.5);
TG_SYMVER(sem_post, sem_post@GLIBC_2.2.5);
TG_SYMVER(sem_wait, sem_wait@GLIBC_2.2.5);
TG_SYMVER(sem_trywait, sem_trywait@GLIBC_2.2.5);
TG_SYMVER(sem_timedwait, sem_timedwait@GLIBC_2.2.5);
TG_SYMVER(sem_getvalue, sem_getvalue@GLIBC_2.2.5);
/* pthread_cleanup_push/pop expand to these (with -fexceptions, or in C). */
TG_SYMVER(__pthread_register_cancel, __pthread_register_cancel@GLIBC_2.3.3);
TG_SYMVER(__pthread_unregister_cancel, __pthread_unregister_cancel@GLIBC_2.3.3);
TG_SYMVER(__pthread_unwind_next, __pthread_unwind_next@GLIBC_2.3.3);

/* ---- memcpy: memcpy@@GLIBC_2.14 may copy backwards ----------------------- */
/* 2.14 made memcpy copy in any order, and kept the old entry for programs
 * that relied on overlapping copies: since then memcpy@GLIBC_2.2.5 is
 * memmove; on glibc 2.12 it is that release's memcpy.  Both are right for
 * the non-overlapping copies memcpy promises.  Calls the compiler emits
 * itself (struct copies) are bound too: .symver renames every reference to
 * the name in the object. */
TG_SYMVER(memcpy, memcpy@GLIBC_2.2.5);

/* ---- fcntl: _FILE_OFFSET_BITS=64 redirects it to fcntl64@@GLIBC_2.28 ---- */
/* Identical on LP64, where off_t is 64-bit anyway. */
TG_SYMVER(fcntl64, fcntl@GLIBC_2.2.5);

/* ---- scanf/strtol: _GNU_SOURCE on glibc >= 2.38 selects __isoc23_* ------ */
/* The only difference is C23's 0b binary prefix, which nothing here parses. */
TG_SYMVER(__isoc23_strtol, strtol@GLIBC_2.2.5);
TG_SYMVER(__isoc23_strtoul, strtoul@GLIBC_2.2.5);
TG_SYMVER(__isoc23_strtoll, strtoll@GLIBC_2.2.5);
TG_SYMVER(__isoc23_strtoull, strtoull@GLIBC_2.2.5);
TG_SYMVER(__isoc23_strtoimax, strtoimax@GLIBC_2.2.5);
TG_SYMVER(__isoc23_strtoumax, strtoumax@GLIBC_2.2.5);
TG_SYMVER(__isoc23_sscanf, __isoc99_sscanf@GLIBC_2.7);
TG_SYMVER(__isoc23_vsscanf, __isoc99_vsscanf@GLIBC_2.7);
TG_SYMVER(__isoc23_fscanf, __isoc99_fscanf@GLIBC_2.7);
TG_SYMVER(__isoc23_vfscanf, __isoc99_vfscanf@GLIBC_2.7);

/* ---- stat family: real functions @@GLIBC_2.33 since glibc 2.33 ---------- */
/*
 * Before 2.33 <sys/stat.h> turned stat(p, b) into __xstat(_STAT_VER, p, b);
 * those entry points are still exported today.  _STAT_VER is 1
 * (_STAT_VER_LINUX) on x86_64; newer headers no longer define it.  struct
 * stat and struct stat64 have the same layout on x86_64.  Function-like
 * macros, so `struct stat` itself is untouched; taking the address of
 * stat/fstat would bypass them (and show up in the floor test).
 */
extern int __xstat(int ver, const char *path, struct stat *buf);
extern int __lxstat(int ver, const char *path, struct stat *buf);
extern int __fxstat(int ver, int fd, struct stat *buf);
extern int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
TG_SYMVER(__xstat, __xstat@GLIBC_2.2.5);
TG_SYMVER(__lxstat, __lxstat@GLIBC_2.2.5);
TG_SYMVER(__fxstat, __fxstat@GLIBC_2.2.5);
TG_SYMVER(__fxstatat, __fxstatat@GLIBC_2.4);
/* clang-format on */

#define TG_STAT_VER 1

static inline int tg_compat_stat(const char *path, struct stat *buf)
{
    return __xstat(TG_STAT_VER, path, buf);
}

static inline int tg_compat_lstat(const char *path, struct stat *buf)
{
    return __lxstat(TG_STAT_VER, path, buf);
}

static inline int tg_compat_fstat(int fd, struct stat *buf)
{
    return __fxstat(TG_STAT_VER, fd, buf);
}

static inline int tg_compat_fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
    return __fxstatat(TG_STAT_VER, dirfd, path, buf, flags);
}

#define stat(path, buf)                  tg_compat_stat((path), (buf))
#define lstat(path, buf)                 tg_compat_lstat((path), (buf))
#define fstat(fd, buf)                   tg_compat_fstat((fd), (buf))
#define fstatat(dirfd, path, buf, flags) tg_compat_fstatat((dirfd), (path), (buf), (flags))
#define stat64(path, buf)                tg_compat_stat((path), (struct stat *)(buf))
#define lstat64(path, buf)               tg_compat_lstat((path), (struct stat *)(buf))
#define fstat64(fd, buf)                 tg_compat_fstat((fd), (struct stat *)(buf))
#define fstatat64(dirfd, path, buf, flags)                                                         \
    tg_compat_fstatat((dirfd), (path), (struct stat *)(buf), (flags))

#undef TG_SYMVER

#endif /* glibc on x86_64 */

#endif /* TG_GLIBC_COMPAT_H */
