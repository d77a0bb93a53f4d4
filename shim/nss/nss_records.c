/*
 * nss_records.c — the side table of NSS sockets: a locked list (a process
 * holds few sockets at once; a lookup is a handful of compares).
 */
#include "nss_records.h"

#include "fork_lock.h"

#include <stdlib.h>

static TG_FORK_LOCK(lock);
static struct tg_nss_rec *head;
static int made; /* read without the lock by every NSPR I/O call */

int tg_nss_rec_any(void)
{
    return __atomic_load_n(&made, __ATOMIC_ACQUIRE);
}

struct tg_nss_rec *tg_nss_rec_get(tg_pr_fd *fd, int create)
{
    struct tg_nss_rec *r;
    if (!fd)
        return NULL;
    tg_fork_lock(&lock);
    for (r = head; r && r->fd != fd; r = r->next)
        ;
    if (!r && create && (r = calloc(1, sizeof *r)) != NULL) {
        r->fd = fd;
        r->next = head;
        head = r;
        __atomic_store_n(&made, 1, __ATOMIC_RELEASE);
    }
    tg_fork_unlock(&lock);
    return r;
}

void tg_nss_rec_free(tg_pr_fd *fd)
{
    struct tg_nss_rec **p, *dead = NULL;
    tg_fork_lock(&lock);
    for (p = &head; *p; p = &(*p)->next)
        if ((*p)->fd == fd) {
            dead = *p;
            *p = dead->next;
            break;
        }
    tg_fork_unlock(&lock);
    free(dead);
}
