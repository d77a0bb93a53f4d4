/*
 * rb_gt_threads — a careless GnuTLS client, many threads at once.
 *
 *   rb_gt_threads GOOD1,GOOD2,... BAD1,BAD2,... THREADS PER_THREAD
 *
 * Each peer is HOST:PORT (HOST is the name sent and checked; the socket goes
 * to its IPv4 address). All threads share one credentials object whose verify
 * function accepts anything, allow TLS 1.0/1.1, and start together (a
 * barrier); each makes a session per handshake and alternates good and bad
 * peers. A good peer must complete the handshake and take the payload; a bad
 * one must fail the handshake and then refuse the write the program makes
 * anyway (fail closed). Whether the shim named itself is the driver's check
 * (its log). THREADS 1 makes a plain sequential client.
 *
 * Prints per-kind counts and "N passed, N failed"; exit 0 when all passed.
 */
#include "asan_first.h"
#include "rb_threads.h"

#include <gnutls/gnutls.h>

#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LEGACY  "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:%COMPAT"
#define PAYLOAD "TLSGUARD-PAYLOAD rb_gt_threads\n"

static gnutls_certificate_credentials_t cred;

static int accept_all(gnutls_session_t s)
{
    (void)s;
    return 0;
}

static int dial(const struct rb_peer *p)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
    int fd = -1;
    if (getaddrinfo(p->host, p->port, &hints, &res) != 0)
        return -1;
    fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* One handshake: 1 when it went as `want_good` says, else 0 and `why`. */
static int one(const struct rb_peer *p, int want_good, char *why, size_t n)
{
    gnutls_session_t s;
    int fd = dial(p), rc, ok = 0;
    if (fd < 0) {
        snprintf(why, n, "connect %s:%s failed", p->host, p->port);
        return 0;
    }
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_priority_set_direct(s, LEGACY, NULL);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, p->host, strlen(p->host));
    gnutls_transport_set_int(s, fd);
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    ssize_t w = gnutls_record_send(s, PAYLOAD, strlen(PAYLOAD)); /* careless: whatever rc said */
    if (want_good && rc == 0 && w == (ssize_t)strlen(PAYLOAD)) {
        gnutls_bye(s, GNUTLS_SHUT_WR);
        ok = 1;
    } else if (!want_good && rc < 0 && w <= 0) {
        ok = 1;
    } else {
        snprintf(why, n, "%s %s:%s: handshake=%d (%s), send=%ld", want_good ? "good" : "bad",
                 p->host, p->port, rc, gnutls_strerror(rc), (long)w);
    }
    gnutls_deinit(s);
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    struct rb_run run = { .one = one };
    if (rb_run_args(&run, argc, argv, "rb_gt_threads"))
        return 2;
    gnutls_global_init();
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_verify_function(cred, accept_all);
    int rc = rb_run_threads(&run);
    gnutls_certificate_free_credentials(cred);
    gnutls_global_deinit();
    return rc;
}
