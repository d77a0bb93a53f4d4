/*
 * glibc_compat.c — the two _FORTIFY_SOURCE checks glibc 2.12 lacks, defined
 * inside the library (hidden) so that no reference to them leaves it.
 *
 * With -D_FORTIFY_SOURCE=2 glibc's headers turn poll() on an array of known
 * size into __poll_chk (GLIBC_2.16) and FD_SET/FD_ISSET into __fdelt_chk
 * (GLIBC_2.15); either import alone would stop the library loading on
 * CentOS 6 (see glibc_compat.h).  Same checks as glibc's: an overflow ends
 * the process through __chk_fail (GLIBC_2.3.4), as fortified code does.
 */
#include <poll.h>
#include <stddef.h>
#include <sys/select.h>

#if defined(__GLIBC__) && defined(__x86_64__) && !defined(__ILP32__) && !defined(TG_NO_GLIBC_COMPAT)

extern void __chk_fail(void) __attribute__((noreturn));

__attribute__((visibility("hidden"))) int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout,
                                                     size_t fdslen);
__attribute__((visibility("hidden"))) long int __fdelt_chk(long int d);

int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
    if (fdslen / sizeof *fds < nfds)
        __chk_fail();
    return poll(fds, nfds, timeout);
}

long int __fdelt_chk(long int d)
{
    if (d < 0 || d >= FD_SETSIZE)
        __chk_fail();
    return d / (long int)(8 * sizeof(fd_mask));
}

#endif
