/*
 * hook_nss_io.c — NSPR's I/O entry points, only to see a handshake NSS
 * itself failed inside the first PR_Write, PR_Writev, PR_TransmitFile,
 * PR_SendFile or PR_Read (tstclnt, careless
 * programs that never call SSL_ForceHandshake) and log a floor refusal
 * once. They block nothing: the guard layer (nss_guard.c) does, on every
 * road, these included.
 */
#include "init.h"
#include "nss_errtext.h"
#include "nss_verify.h"

#include <dlfcn.h>

/* NSS, once libssl3 is in the process; NULL for a program on NSPR alone.
 * Asked only when NSPR's function is not next in line (NSPR loaded
 * RTLD_LOCAL, under a libssl3 that calls us): dlopen takes the loader's
 * lock, too dear for every I/O call. */
static const struct tg_nss *nss_if_loaded(void)
{
    static int loaded; /* read and set by any thread: atomics */
    if (!__atomic_load_n(&loaded, __ATOMIC_ACQUIRE)) {
        void *h = dlopen("libssl3.so", RTLD_LAZY | RTLD_NOLOAD);
        if (!h)
            return NULL;
        dlclose(h);
        __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
    }
    return tg_nss();
}

/* NSPR's own function, looked up once (not per I/O call: dlsym walks the
 * whole scope); racing threads store the same pointer. */
#define NEXT(name)                                                                                 \
    ({                                                                                             \
        static __typeof__(&name) next_;                                                            \
        __typeof__(&name) f_ = __atomic_load_n(&next_, __ATOMIC_ACQUIRE);                          \
        if (!f_) {                                                                                 \
            f_ = (__typeof__(&name))dlsym(RTLD_NEXT, #name);                                       \
            __atomic_store_n(&next_, f_, __ATOMIC_RELEASE);                                        \
        }                                                                                          \
        f_;                                                                                        \
    })

static int32_t seen(const struct tg_nss *n, tg_pr_fd *fd, int32_t rv)
{
    struct tg_nss_rec *r;
    if (rv >= 0)
        return rv;
    if ((r = tg_nss_rec_get(fd, 0)) != NULL && !r->checked)
        tg_nss_check_failure(n, r, n->PR_GetError());
    if (tg_nss_errtext_held()) /* the text the program will ask for */
        tg_nss_errtext_io_failed(n, fd, r && r->verdict.blocked, n->PR_GetError());
    return rv;
}

TG_EXPORT int32_t PR_Write(tg_pr_fd *fd, const void *buf, int32_t len)
{
    /* No record yet: no socket of the shim's, NSPR's own function. */
    __typeof__(&PR_Write) next = tg_nss_rec_any() ? NULL : NEXT(PR_Write);
    if (next)
        return next(fd, buf, len);
    const struct tg_nss *n = nss_if_loaded();
    if (n)
        return seen(n, fd, n->PR_Write(fd, buf, len));
    next = NEXT(PR_Write);
    return next ? next(fd, buf, len) : -1;
}

TG_EXPORT int32_t PR_Read(tg_pr_fd *fd, void *buf, int32_t len)
{
    /* No record yet: no socket of the shim's, NSPR's own function. */
    __typeof__(&PR_Read) next = tg_nss_rec_any() ? NULL : NEXT(PR_Read);
    if (next)
        return next(fd, buf, len);
    const struct tg_nss *n = nss_if_loaded();
    if (n)
        return seen(n, fd, n->PR_Read(fd, buf, len));
    next = NEXT(PR_Read);
    return next ? next(fd, buf, len) : -1;
}

TG_EXPORT int32_t PR_Send(tg_pr_fd *fd, const void *buf, int32_t len, int32_t flags,
                          uint32_t timeout)
{
    /* No record yet: no socket of the shim's, NSPR's own function. */
    __typeof__(&PR_Send) next = tg_nss_rec_any() ? NULL : NEXT(PR_Send);
    if (next)
        return next(fd, buf, len, flags, timeout);
    const struct tg_nss *n = nss_if_loaded();
    if (n)
        return seen(n, fd, n->PR_Send(fd, buf, len, flags, timeout));
    next = NEXT(PR_Send);
    return next ? next(fd, buf, len, flags, timeout) : -1;
}

TG_EXPORT int32_t PR_Recv(tg_pr_fd *fd, void *buf, int32_t len, int32_t flags, uint32_t timeout)
{
    /* No record yet: no socket of the shim's, NSPR's own function. */
    __typeof__(&PR_Recv) next = tg_nss_rec_any() ? NULL : NEXT(PR_Recv);
    if (next)
        return next(fd, buf, len, flags, timeout);
    const struct tg_nss *n = nss_if_loaded();
    if (n)
        return seen(n, fd, n->PR_Recv(fd, buf, len, flags, timeout));
    next = NEXT(PR_Recv);
    return next ? next(fd, buf, len, flags, timeout) : -1;
}

/* The other ways to write (hook_nss_io's PR_Write's shape, by macro: the
 * same few lines each). */
#define TG_NSS_IO_HOOK(name, params, args)                                                         \
    TG_EXPORT int32_t name params                                                                  \
    {                                                                                              \
        __typeof__(&name) next = tg_nss_rec_any() ? NULL : NEXT(name);                             \
        if (next)                                                                                  \
            return next args;                                                                      \
        const struct tg_nss *n = nss_if_loaded();                                                  \
        if (n)                                                                                     \
            return seen(n, fd, n->name args);                                                      \
        next = NEXT(name);                                                                         \
        return next ? next args : -1;                                                              \
    }

TG_NSS_IO_HOOK(PR_Writev, (tg_pr_fd * fd, const void *iov, int32_t size, uint32_t timeout),
               (fd, iov, size, timeout))
TG_NSS_IO_HOOK(PR_TransmitFile,
               (tg_pr_fd * fd, tg_pr_fd *file, const void *headers, int32_t hlen, int flags,
                uint32_t timeout),
               (fd, file, headers, hlen, flags, timeout))
TG_NSS_IO_HOOK(PR_SendFile, (tg_pr_fd * fd, void *data, int flags, uint32_t timeout),
               (fd, data, flags, timeout))
