/*
 * rb_common.c — see rb.h.
 */
#include "rb.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

int rb_parse_peer(const char *s, char *host, size_t n, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= n)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = atoi(colon + 1);
    return *port > 0 ? 0 : -1;
}

int rb_tcp_connect(const char *host, int port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char serv[16];
    int fd = -1;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(serv, sizeof serv, "%d", port);
    if (getaddrinfo(host, serv, &hints, &res) != 0)
        return -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

#if OPENSSL_VERSION_NUMBER < 0x10100000L
static pthread_mutex_t *locks;

static void lock_cb(int mode, int n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (mode & CRYPTO_LOCK)
        pthread_mutex_lock(&locks[n]);
    else
        pthread_mutex_unlock(&locks[n]);
}

void rb_openssl_init(void)
{
    int n = CRYPTO_num_locks();
    SSL_library_init();
    SSL_load_error_strings();
    locks = calloc((size_t)n, sizeof *locks);
    for (int i = 0; locks && i < n; i++)
        pthread_mutex_init(&locks[i], NULL);
    if (locks)
        CRYPTO_set_locking_callback(lock_cb); /* thread ids: 1.0.x's default (&errno) */
}

#define TLS_client_method SSLv23_client_method
#else
void rb_openssl_init(void)
{
}
#endif

SSL_CTX *rb_legacy_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

/* 1 when some error on this thread's queue names tlsguard; empties it. */
static int queue_names_tlsguard(char *why, size_t n)
{
    unsigned long e;
    const char *data = NULL;
    int flags = 0, found = 0;
    char buf[256];
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
#else
    while ((e = ERR_get_error_line_data(NULL, NULL, &data, &flags)) != 0) {
#endif
        ERR_error_string_n(e, buf, sizeof buf);
        if (strstr(buf, "tlsguard") ||
            ((flags & ERR_TXT_STRING) && data && strstr(data, "tlsguard")))
            found = 1;
        else if (why && n && !found)
            snprintf(why, n, "%s", buf);
    }
    return found;
}

enum rb_result rb_connect_once(SSL_CTX *ctx, const char *host, int port, const char *payload,
                               char *why, size_t n)
{
    enum rb_result res = RB_ERROR;
    int fd = rb_tcp_connect(host, port), r, err;
    SSL *ssl = NULL;
    if (why && n)
        why[0] = '\0';
    if (fd < 0) {
        snprintf(why, n, "connect %s:%d: %s", host, port, strerror(errno));
        return RB_ERROR;
    }
    if (!(ssl = SSL_new(ctx))) {
        snprintf(why, n, "SSL_new failed");
        goto out;
    }
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, host);
    r = SSL_connect(ssl);
    if (r == 1) {
        int len = (int)strlen(payload);
        r = SSL_write(ssl, payload, len);
        if (r == len) {
            res = RB_OK;
            SSL_shutdown(ssl);
        } else {
            snprintf(why, n, "SSL_write after a good handshake returned %d", r);
        }
        goto out;
    }
    err = SSL_get_error(ssl, r);
    int named = queue_names_tlsguard(why, n);
    /* Fail closed: even a program that ignores the failure sends nothing. */
    int w = SSL_write(ssl, payload, (int)strlen(payload));
    if (w > 0)
        snprintf(why, n, "SSL_write went through after a failed handshake");
    else if (err != SSL_ERROR_SSL)
        snprintf(why, n, "SSL_connect failed with SSL_get_error=%d, not SSL_ERROR_SSL", err);
    else if (!named)
        snprintf(why, n, "SSL_connect failed without tlsguard's error (%s)",
                 why[0] ? why : "empty queue");
    else
        res = RB_BLOCKED;
out:
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    return res;
}

const char *rb_result_name(enum rb_result r)
{
    return r == RB_OK ? "ok" : r == RB_BLOCKED ? "blocked" : "error";
}

double rb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
