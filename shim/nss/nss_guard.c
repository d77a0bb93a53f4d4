/*
 * nss_guard.c — the guard layer. Its secret is the record's key (the top
 * descriptor), looked up at each call: the record may be gone before the
 * layer (a program that pops layers itself).
 */
#include "nss_guard.h"
#include "once.h"

#include <string.h>

static struct tg_pr_methods methods;
static int identity = -1;
static tg_once_t methods_once = TG_ONCE_INIT;
static const struct tg_nss *api;

/* 1 (with the socket's NSS error set) when the socket is blocked. */
static int refused(tg_pr_fd *me)
{
    struct tg_nss_rec *r = tg_nss_rec_get((tg_pr_fd *)me->secret, 0);
    if (!r || !r->verdict.blocked)
        return 0;
    api->PR_SetError(r->error ? r->error : TG_NSS_E_BAD_CERTIFICATE, 0);
    return 1;
}

static int32_t g_read(tg_pr_fd *me, void *buf, int32_t n)
{
    return refused(me) ? -1 : me->lower->methods->read(me->lower, buf, n);
}

static int32_t g_write(tg_pr_fd *me, const void *buf, int32_t n)
{
    return refused(me) ? -1 : me->lower->methods->write(me->lower, buf, n);
}

static int32_t g_writev(tg_pr_fd *me, const void *iov, int32_t n, uint32_t t)
{
    return refused(me) ? -1 : me->lower->methods->writev(me->lower, iov, n, t);
}

static int32_t g_recv(tg_pr_fd *me, void *buf, int32_t n, int32_t flags, uint32_t t)
{
    return refused(me) ? -1 : me->lower->methods->recv(me->lower, buf, n, flags, t);
}

static int32_t g_send(tg_pr_fd *me, const void *buf, int32_t n, int32_t flags, uint32_t t)
{
    return refused(me) ? -1 : me->lower->methods->send(me->lower, buf, n, flags, t);
}

static int32_t g_recvfrom(tg_pr_fd *me, void *buf, int32_t n, int32_t flags, void *addr, uint32_t t)
{
    return refused(me) ? -1 : me->lower->methods->recvfrom(me->lower, buf, n, flags, addr, t);
}

static int32_t g_sendto(tg_pr_fd *me, const void *buf, int32_t n, int32_t flags, const void *addr,
                        uint32_t t)
{
    return refused(me) ? -1 : me->lower->methods->sendto(me->lower, buf, n, flags, addr, t);
}

static int32_t g_transmitfile(tg_pr_fd *me, tg_pr_fd *file, const void *hdr, int32_t len, int flags,
                              uint32_t t)
{
    return refused(me) ? -1 : me->lower->methods->transmitfile(me->lower, file, hdr, len, flags, t);
}

static int32_t g_sendfile(tg_pr_fd *me, void *sf, int flags, uint32_t t)
{
    return refused(me) ? -1 : me->lower->methods->sendfile(me->lower, sf, flags, t);
}

/* NSS closes its own layer first, then the one under it: us. */
static int32_t g_close(tg_pr_fd *me)
{
    tg_pr_fd *lower = me->lower;
    tg_nss_rec_free((tg_pr_fd *)me->secret);
    me->secret = NULL;
    /* Unlink ourselves and hand the close on, as NSPR's own layers do. */
    tg_pr_fd *popped = api->PR_PopIOLayer(me, identity);
    if (popped && popped->dtor)
        popped->dtor(popped);
    (void)lower;
    return me->methods->close(me);
}

/* Once: `api` is written here only, so every thread's later read of it is
 * ordered after this (tg_once), not racing a store of each push. */
static void make_methods(void)
{
    api = tg_nss();
    memcpy(&methods, api->PR_GetDefaultIOMethods(), sizeof methods);
    methods.close = g_close;
    methods.read = g_read;
    methods.write = g_write;
    methods.writev = g_writev;
    methods.recv = g_recv;
    methods.send = g_send;
    methods.recvfrom = g_recvfrom;
    methods.sendto = g_sendto;
    methods.transmitfile = g_transmitfile;
    methods.sendfile = g_sendfile;
    identity = api->PR_GetUniqueIdentity("tlsguard");
}

int tg_nss_guard_push(const struct tg_nss *n, struct tg_nss_rec *r)
{
    tg_pr_fd *top = r->fd, *layer;
    tg_once(&methods_once, make_methods);
    if (identity < 0 || !top->lower)
        return -1;
    layer = n->PR_CreateIOLayerStub(identity, &methods);
    if (!layer)
        return -1;
    layer->secret = top;
    if (n->PR_PushIOLayer(top, top->lower->identity, layer)) {
        layer->dtor(layer);
        return -1;
    }
    r->guarded = 1;
    return 0;
}
