/*
 * sessions.c — the session mark table (see sessions.h).
 */
#include "sessions.h"
#include "fork_lock.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define SLOTS  2048 /* a power of two */
#define PROBES 8

struct mark {
    const SSL_SESSION *s; /* NULL: empty */
    unsigned char id[32];
    unsigned id_len;
    long time;
    uint64_t key_digest; /* 0 where the version cannot tell */
    const struct tg_pin *pins;
    int host_is_ip;
    char host[256];
};

static struct mark table[SLOTS];
static TG_FORK_LOCK(lock);

static unsigned slot_of(const SSL_SESSION *s)
{
    return (unsigned)(((uintptr_t)s * 0x9E3779B97F4A7C15ULL) >> 40) & (SLOTS - 1);
}

/* The identity of a session object, beyond its address. */
static void identify(const struct tg_ossl *o, SSL_SESSION *s, struct mark *m)
{
    unsigned len = 0;
    const unsigned char *id = o->SSL_SESSION_get_id(s, &len);
    m->s = s;
    m->id_len = id && len <= sizeof m->id ? len : 0;
    if (m->id_len)
        memcpy(m->id, id, m->id_len);
    m->time = o->SSL_SESSION_get_time(s);
    m->key_digest = 0;
    if (o->SSL_SESSION_get_master_key) { /* 1.1.0+ */
        unsigned char key[256];
        size_t n = o->SSL_SESSION_get_master_key(s, key, sizeof key);
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < n && i < sizeof key; i++)
            h = (h ^ key[i]) * 0x100000001b3ULL;
        memset(key, 0, sizeof key);
        m->key_digest = h;
    }
}

static int same_session(const struct mark *a, const struct mark *b)
{
    return a->s == b->s && a->id_len == b->id_len && !memcmp(a->id, b->id, a->id_len) &&
           a->time == b->time && a->key_digest == b->key_digest;
}

/* Under the lock: the slot holding `want`'s session, or NULL. */
static struct mark *find(const struct mark *want)
{
    unsigned at = slot_of(want->s);
    for (unsigned k = 0; k < PROBES; k++) {
        struct mark *m = &table[(at + k) & (SLOTS - 1)];
        if (m->s == want->s)
            return same_session(m, want) ? m : NULL;
    }
    return NULL;
}

void tg_session_mark(const struct tg_ossl *o, SSL_SESSION *s, const struct tg_pin *pins,
                     const char *host, int host_is_ip)
{
    struct mark want;
    size_t len = strlen(host);
    if (!s || !len || len >= sizeof want.host)
        return;
    identify(o, s, &want);
    tg_fork_lock(&lock);
    unsigned at = slot_of(s);
    struct mark *m = NULL;
    for (unsigned k = 0; k < PROBES && !m; k++) {
        struct mark *c = &table[(at + k) & (SLOTS - 1)];
        if (c->s == s || !c->s)
            m = c;
    }
    if (!m) /* full around here: the oldest guess is the home slot */
        m = &table[at];
    *m = want;
    m->pins = pins;
    m->host_is_ip = host_is_ip;
    memcpy(m->host, host, len + 1);
    tg_fork_unlock(&lock);
}

int tg_session_is_marked(const struct tg_ossl *o, SSL_SESSION *s)
{
    struct mark want;
    int found;
    if (!s)
        return 0;
    identify(o, s, &want);
    tg_fork_lock(&lock);
    found = find(&want) != NULL;
    tg_fork_unlock(&lock);
    return found;
}

int tg_session_vouches(const struct tg_ossl *o, SSL_SESSION *s, const char *host, int host_is_ip,
                       const struct tg_pin *pins)
{
    struct mark want;
    const struct mark *m;
    int ok = 0;
    if (!s || !host || !*host)
        return 0;
    identify(o, s, &want);
    tg_fork_lock(&lock);
    m = find(&want);
    ok = m && m->host_is_ip == host_is_ip && m->pins == pins && !strcasecmp(m->host, host);
    tg_fork_unlock(&lock);
    return ok;
}
