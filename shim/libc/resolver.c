/*
 * resolver.c — a small table of address -> resolved name, and which
 * socket was connected with which lookup's result.
 *
 * Bounded (a ring of RING entries), so a long-running program's lookups cost
 * nothing extra over time; a connection made long after its lookup falls
 * back to the literal address, which only makes the check stricter.
 *
 * Two names can resolve to one address (resolve victim.test, then
 * attacker.test): the newest is not simply taken. A socket connected with
 * the very sockaddr a getaddrinfo() result handed out is tied to that
 * lookup's name; otherwise an address known under one name only gets it,
 * and an ambiguous one gets none (the literal address is checked).
 */
#include "resolver.h"
#include "ip_literal.h"
#include "fork_lock.h"

#include <netinet/in.h>
#include <string.h>

#define RING 256

struct entry {
    int family; /* 0: empty */
    unsigned char addr[16];
    char name[256];
};

static struct entry ring[RING];
static unsigned next_slot;

/* getaddrinfo() results handed out: the ai_addr pointer -> its name. */
#define HANDED 256
static struct {
    const struct sockaddr *ptr;
    int family;
    unsigned char addr[16];
    char name[256];
} handed[HANDED];
static unsigned next_handed;

/* Sockets tied to a lookup at connect(): by fd, with the address. */
#define TIED 1024
static struct {
    int fd1; /* the fd + 1; 0: empty (so the table needs no initialising,
                and its pages stay untouched until used) */
    int family;
    unsigned char addr[16];
    char name[256];
} tied[TIED];

static TG_FORK_LOCK(lock);

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
    tg_fork_lock(&lock);
    /* Refresh an existing entry rather than filling the ring with repeats. */
    for (unsigned i = 0; i < RING; i++) {
        struct entry *e = &ring[i];
        if (e->family == family && !memcmp(e->addr, bytes, len) && !strcmp(e->name, name)) {
            tg_fork_unlock(&lock);
            return;
        }
    }
    struct entry *e = &ring[next_slot++ % RING];
    e->family = family;
    memset(e->addr, 0, sizeof e->addr);
    memcpy(e->addr, bytes, len);
    memcpy(e->name, name, nlen + 1);
    tg_fork_unlock(&lock);
}

/* Under the lock: the socket's own lookup, if it was tied to one. */
static int tied_name(int fd, int family, const unsigned char *bytes, size_t len, char *name,
                     size_t n)
{
    if (fd < 0)
        return 0;
    const __typeof__(tied[0]) *t = &tied[fd % TIED];
    if (t->fd1 != fd + 1 || t->family != family || memcmp(t->addr, bytes, len) ||
        strlen(t->name) >= n)
        return 0;
    memcpy(name, t->name, strlen(t->name) + 1);
    return 1;
}

int tg_resolver_lookup(int fd, const struct sockaddr *sa, char *name, size_t n)
{
    int family, found = 0, ambiguous = 0;
    const unsigned char *bytes;
    size_t len;
    if (!addr_of(sa, &family, &bytes, &len) || n == 0)
        return 0;
    tg_fork_lock(&lock);
    if (tied_name(fd, family, bytes, len, name, n)) {
        tg_fork_unlock(&lock);
        return 1;
    }
    for (unsigned k = 1; k <= RING && !ambiguous; k++) {
        const struct entry *e = &ring[(next_slot - k) % RING];
        if (e->family != family || memcmp(e->addr, bytes, len))
            continue;
        if (found && strcmp(name, e->name))
            ambiguous = 1;
        else if (!found && strlen(e->name) < n) {
            memcpy(name, e->name, strlen(e->name) + 1);
            found = 1;
        }
    }
    tg_fork_unlock(&lock);
    if (ambiguous)
        name[0] = '\0';
    return found && !ambiguous;
}

void tg_resolver_remember_result(const char *name, const struct sockaddr *ai_addr)
{
    int family;
    const unsigned char *bytes;
    size_t len, nlen = name ? strlen(name) : 0;
    tg_resolver_remember(name, ai_addr);
    if (!nlen || nlen >= sizeof handed[0].name || tg_is_ip_literal(name) ||
        !addr_of(ai_addr, &family, &bytes, &len))
        return;
    tg_fork_lock(&lock);
    unsigned at = next_handed++ % HANDED;
    for (unsigned i = 0; i < HANDED; i++)
        if (handed[i].ptr == ai_addr)
            at = i; /* the same memory handed out again */
    handed[at].ptr = ai_addr;
    handed[at].family = family;
    memset(handed[at].addr, 0, sizeof handed[at].addr);
    memcpy(handed[at].addr, bytes, len);
    memcpy(handed[at].name, name, nlen + 1);
    tg_fork_unlock(&lock);
}

void tg_resolver_tie(int fd, const struct sockaddr *sa)
{
    int family;
    const unsigned char *bytes;
    size_t len;
    if (fd < 0 || !addr_of(sa, &family, &bytes, &len))
        return;
    tg_fork_lock(&lock);
    __typeof__(tied[0]) *t = &tied[fd % TIED];
    if (t->fd1)
        t->fd1 = 0; /* a new connection on this fd: forget the old tie */
    for (unsigned i = 0; i < HANDED; i++) {
        if (handed[i].ptr != sa || handed[i].family != family || memcmp(handed[i].addr, bytes, len))
            continue;
        t->fd1 = fd + 1;
        t->family = family;
        memcpy(t->addr, handed[i].addr, sizeof t->addr);
        memcpy(t->name, handed[i].name, sizeof t->name);
        break;
    }
    tg_fork_unlock(&lock);
}

static __thread struct sockaddr_storage last_connect;

void tg_resolver_note_connect(const struct sockaddr *sa, socklen_t len)
{
    if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) || len > sizeof last_connect)
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
