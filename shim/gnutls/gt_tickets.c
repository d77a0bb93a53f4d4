/*
 * gt_tickets.c — session data taken from verified connections, by digest:
 * a resumed handshake runs no certificate check, so it is good only for
 * the name (and pins) the full handshake that made the data was verified
 * for. A bounded ring: an old entry forgotten only costs a full handshake.
 */
#include "gt_records.h"

#include "fork_lock.h"

#include <stdio.h>
#include <string.h>

#define TICKETS 128

struct ticket {
    unsigned char digest[32];
    char host[256];
    const struct tg_pin *pins;
    int used;
};

static struct ticket ring[TICKETS];
static unsigned next_ticket;
static TG_FORK_LOCK(lock);

static int digest(const void *data, size_t len, unsigned char out[32])
{
    const struct tg_gtls *g = tg_gtls();
    return g && data && len && g->gnutls_hash_fast(TG_GT_DIG_SHA256, data, len, out) == 0 ? 0 : -1;
}

void tg_gt_ticket_mark(const void *data, size_t len, const char *host, const struct tg_pin *pins)
{
    unsigned char d[32];
    if (digest(data, len, d))
        return;
    tg_fork_lock(&lock);
    struct ticket *t = &ring[next_ticket++ % TICKETS];
    memcpy(t->digest, d, sizeof d);
    snprintf(t->host, sizeof t->host, "%s", host);
    t->pins = pins;
    t->used = 1;
    tg_fork_unlock(&lock);
}

int tg_gt_ticket_lookup(const void *data, size_t len, char *host, size_t n,
                        const struct tg_pin **pins)
{
    unsigned char d[32];
    int found = 0;
    if (digest(data, len, d))
        return 0;
    tg_fork_lock(&lock);
    for (int i = 0; i < TICKETS && !found; i++) {
        if (ring[i].used && !memcmp(ring[i].digest, d, sizeof d)) {
            snprintf(host, n, "%s", ring[i].host);
            *pins = ring[i].pins;
            found = 1;
        }
    }
    tg_fork_unlock(&lock);
    return found;
}
