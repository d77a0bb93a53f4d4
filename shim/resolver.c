/*
 * resolver.c — a small, recent-first table of address -> resolved name.
 *
 * Bounded (a ring of RING entries), so a long-running program's lookups cost
 * nothing extra over time; a connection made long after its lookup falls
 * back to the literal address, which only makes the check stricter.
 */
#include "resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#define RING 256

struct entry {
    int family;              /* 0: empty */
    unsigned char addr[16];
    char name[256];
};

static struct entry ring[RING];
static unsigned next_slot;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A fork while another thread holds the lock must not leave the child's
 * resolver deadlocked. */
static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork(void) { pthread_mutex_unlock(&lock); }
static void register_atfork(void) { pthread_atfork(before_fork, after_fork, after_fork); }

static int addr_of(const struct sockaddr *sa, int *family, const unsigned char **bytes, size_t *len)
{
    if (!sa)
        return 0;
    if (sa->sa_family == AF_INET) {
        *family = AF_INET;
        *bytes = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        *len = 4;
        return 1;
    }
    if (sa->sa_family == AF_INET6) {
        *family = AF_INET6;
        *bytes = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        *len = 16;
        return 1;
    }
    return 0;
}

int tg_is_ip_literal(const char *s)
{
    unsigned char buf[16];
    return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

void tg_resolver_remember(const char *name, const struct sockaddr *sa)
{
    int family;
    const unsigned char *bytes;
    size_t len, nlen;
    if (!name || !*name || tg_is_ip_literal(name) || !addr_of(sa, &family, &bytes, &len))
        return;
    nlen = strlen(name);
    if (nlen >= sizeof ring[0].name)
        return;
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&lock);
    /* Refresh an existing entry rather than filling the ring with repeats. */
    for (unsigned i = 0; i < RING; i++) {
        struct entry *e = &ring[i];
        if (e->family == family && !memcmp(e->addr, bytes, len) && !strcmp(e->name, name)) {
            pthread_mutex_unlock(&lock);
            return;
        }
    }
    struct entry *e = &ring[next_slot++ % RING];
    e->family = family;
    memset(e->addr, 0, sizeof e->addr);
    memcpy(e->addr, bytes, len);
    memcpy(e->name, name, nlen + 1);
    pthread_mutex_unlock(&lock);
}

int tg_resolver_lookup(const struct sockaddr *sa, char *name, size_t n)
{
    int family, found = 0;
    const unsigned char *bytes;
    size_t len;
    if (!addr_of(sa, &family, &bytes, &len) || n == 0)
        return 0;
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&lock);
    for (unsigned k = 1; k <= RING && !found; k++) {
        const struct entry *e = &ring[(next_slot - k) % RING];
        if (e->family == family && !memcmp(e->addr, bytes, len)) {
            size_t l = strlen(e->name);
            if (l < n) {
                memcpy(name, e->name, l + 1);
                found = 1;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return found;
}

static __thread struct sockaddr_storage last_connect;

void tg_resolver_note_connect(const struct sockaddr *sa, socklen_t len)
{
    if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
        len > sizeof last_connect)
        return;
    memcpy(&last_connect, sa, len);
}

int tg_resolver_last_connect(struct sockaddr_storage *out)
{
    if (last_connect.ss_family != AF_INET && last_connect.ss_family != AF_INET6)
        return 0;
    *out = last_connect;
    return 1;
}
