/*
 * sock_shut.c — a blocked connection's socket shut both ways (sock_shut.h).
 */
#include "sock_shut.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>

void tg_sock_shut(int fd)
{
    struct stat st;
    int saved = errno;
    if (fd >= 0 && !fstat(fd, &st) && S_ISSOCK(st.st_mode))
        shutdown(fd, SHUT_RDWR);
    errno = saved;
}
