/*
 * gt_certs.c — a few parsed peer certificates, keyed by their DER bytes.
 *
 * Bounded: SLOTS entries of at most MAX_DER bytes each, the oldest given
 * way to; held for the process's life (freed by nothing: reachable). The
 * lock (a fork lock) is held only to look or to store, never around a
 * call into libgnutls.
 */
#include "gt_certs.h"
#include "fork_lock.h"

#include <stdlib.h>
#include <string.h>

#define SLOTS   4
#define MAX_DER 16384

static struct slot {
    tg_gt_crt crt; /* NULL: empty */
    unsigned char *der;
    unsigned len;
} slots[SLOTS];
static unsigned next; /* the slot given way to next */
static TG_FORK_LOCK(lock);

static tg_gt_crt parse(const struct tg_gtls *g, const tg_gt_datum *der)
{
    tg_gt_crt crt = NULL;
    if (g->gnutls_x509_crt_init(&crt) != 0)
        return NULL;
    if (g->gnutls_x509_crt_import(crt, der, TG_GT_FMT_DER) != 0) {
        g->gnutls_x509_crt_deinit(crt);
        return NULL;
    }
    return crt;
}

tg_gt_crt tg_gt_certs_take(const struct tg_gtls *g, const tg_gt_datum *der)
{
    tg_gt_crt crt = NULL;
    unsigned char *copy = NULL;
    if (!der->data || !der->size)
        return NULL;
    tg_fork_lock(&lock);
    for (unsigned i = 0; i < SLOTS && !crt; i++) {
        struct slot *s = &slots[i];
        if (s->crt && s->len == der->size && !memcmp(s->der, der->data, der->size)) {
            crt = s->crt, copy = s->der;
            *s = (struct slot){ NULL, NULL, 0 };
        }
    }
    tg_fork_unlock(&lock);
    free(copy);
    return crt ? crt : parse(g, der);
}

void tg_gt_certs_give(const struct tg_gtls *g, tg_gt_crt crt, const tg_gt_datum *der)
{
    unsigned char *copy = der->size <= MAX_DER ? malloc(der->size) : NULL;
    if (!copy) {
        g->gnutls_x509_crt_deinit(crt);
        return;
    }
    memcpy(copy, der->data, der->size);
    tg_fork_lock(&lock);
    struct slot old = slots[next];
    slots[next] = (struct slot){ crt, copy, der->size };
    next = (next + 1) % SLOTS;
    tg_fork_unlock(&lock);
    if (old.crt)
        g->gnutls_x509_crt_deinit(old.crt);
    free(old.der);
}
