/*
 * gt_client.h — what the careless GnuTLS test clients share (tests/gnutls/
 * careless.c, roads.c; rb_gt_threads.c has its own dial for its IPv4-only
 * peers): the accept-all verify function, a TCP connection by name, the
 * handshake reported as the drivers read it, the session kept for resuming.
 * Header-only: those programs are built one file each.
 */
#ifndef TG_GT_CLIENT_H
#define TG_GT_CLIENT_H

#include <gnutls/gnutls.h>

#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A verify function that accepts anything (what careless programs set). */
static inline int tg_gt_accept_all(gnutls_session_t s)
{
    (void)s;
    return 0;
}

/* A TCP socket to host:port (IPv4, each address in turn), or -1. wait_s > 0:
 * reads time out after that many seconds (for peers that never answer). */
static inline int tg_gt_dial(const char *host, const char *port, int wait_s)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res, *ai;
    struct timeval wait = { wait_s, 0 };
    int fd = -1;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd >= 0 && wait_s > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    return fd;
}

/* The handshake to its end, printed as "handshake=<code> (<text>)" and
 * "resumed=<0|1>"; its code. */
static inline int tg_gt_handshake(gnutls_session_t s)
{
    int rc;
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    printf("handshake=%d (%s)\nresumed=%d\n", rc, rc ? gnutls_strerror(rc) : "ok",
           gnutls_session_is_resumed(s));
    return rc;
}

/* The session's data into *data (freed first), for the next connection to
 * resume. */
static inline void tg_gt_keep_session(gnutls_session_t s, gnutls_datum_t *data)
{
    gnutls_free(data->data);
    data->size = 0;
    gnutls_session_get_data2(s, data);
}

#endif
