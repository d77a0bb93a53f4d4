/*
 * net.c — the TCP side of `tlsguard pin HOST[:PORT]`: a target split into
 * host and port, a connect that tries every address within a deadline.
 */
#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

long long tg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tg_ms_left(long long deadline)
{
    long long left = deadline - tg_now_ms();
    return left > 0 ? (int)left : 0;
}

/* Wait until fd is ready for events or the deadline: 1 ready, 0 timed out, -1 error. */
int tg_wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, tg_ms_left(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -1 : r > 0;
    }
}

/*
 * Split HOST[:PORT] into host and port: "example.com", "example.com:8443",
 * "[::1]", "[::1]:8443"; a bare IPv6 address ("::1") is all host.
 */
int tg_split_target(const char *t, char *host, size_t hn, char *port, size_t pn)
{
    const char *p = NULL;
    size_t hlen;
    if (t[0] == '[') {
        const char *close = strchr(t, ']');
        if (!close || (close[1] && close[1] != ':'))
            return -1;
        hlen = (size_t)(close - t - 1);
        t++;
        p = close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = strchr(t, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* more than one colon: an IPv6 address */
        hlen = colon ? (size_t)(colon - t) : strlen(t);
        p = colon ? colon + 1 : NULL;
    }
    if (hlen == 0 || hlen >= hn)
        return -1;
    memcpy(host, t, hlen);
    host[hlen] = '\0';
    if (!p) {
        snprintf(port, pn, "443");
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (!*p || *end || errno || v < 1 || v > 65535)
        return -1;
    snprintf(port, pn, "%ld", v);
    return 0;
}

/* Connect within the deadline; returns a connected non-blocking socket or -1
 * with the reason in why. */
int tg_tcp_connect(const char *host, const char *port, long long deadline, char *why, size_t wn)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    /* getaddrinfo has no timeout of its own: the resolver's (resolv.conf) applies. */
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        snprintf(why, wn, "cannot resolve %s: %s", host,
                 gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    snprintf(why, wn, "no address to connect to");
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            snprintf(why, wn, "socket: %s", strerror(errno));
            continue;
        }
        int err = 0;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            err = errno;
            if (err == EINPROGRESS) {
                int r = tg_wait_fd(fd, POLLOUT, deadline);
                socklen_t el = sizeof err;
                if (r == 0)
                    err = ETIMEDOUT;
                else if (r < 0)
                    err = errno;
                else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
                    err = errno;
            }
        }
        if (err == 0)
            break;
        if (err == ETIMEDOUT)
            snprintf(why, wn, "connect: timed out after %d s", PIN_TIMEOUT_MS / 1000);
        else
            snprintf(why, wn, "connect: %s", strerror(err));
        close(fd);
        fd = -1;
        if (tg_ms_left(deadline) == 0)
            break;
    }
    freeaddrinfo(res);
    return fd;
}
