/*
 * loopback.h — a TCP connection to 127.0.0.1:port, for the C test and
 * bench clients whose servers the drivers start there (tests/lib/servers.py).
 * Header-only: those programs are built one file each, with no shared
 * object of their own.
 */
#ifndef TG_TEST_LOOPBACK_H
#define TG_TEST_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The connected socket, or -1 after a perror("connect"). */
static inline int tg_loopback_connect(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

#endif
