/*
 * hook_gt_record.c — no application byte on a blocked GnuTLS session, by
 * any record call (libgnutls's own gnutls_record_send reaches
 * gnutls_record_send2 through its PLT: both are here). The program gets
 * GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR, an error it already handles.
 * Nor an alert (gnutls_bye, gnutls_alert_send*): see below.
 */
#include "gt_decide.h"
#include "init.h"

#include <stddef.h>

/* NULL when `s` may carry data; else the libgnutls to refuse with (or
 * none at all: the shim cannot work, so nothing moves either). */
static int refused(tg_gt_session s, const struct tg_gtls **g)
{
    tg_init();
    *g = tg_gtls();
    if (!*g)
        return 1;
    if (!tg_gt_any_blocked() || tg_gt_inside()) /* the usual case: no lookup, no lock */
        return 0;
    struct tg_gt_rec *r = tg_gt_rec_get(s, 0);
    return r && r->verdict.blocked;
}

#define REFUSE(s, g)                                                                               \
    const struct tg_gtls *g;                                                                       \
    if (refused(s, &g))                                                                            \
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;

TG_GT_EXPORT long gnutls_record_send(tg_gt_session s, const void *data, size_t n)
{
    REFUSE(s, g)
    return g->gnutls_record_send(s, data, n);
}

TG_GT_EXPORT long gnutls_record_send2(tg_gt_session s, const void *data, size_t n, size_t pad,
                                      unsigned flags)
{
    REFUSE(s, g)
    return g->gnutls_record_send2 ? g->gnutls_record_send2(s, data, n, pad, flags)
                                  : TG_GT_E_INTERNAL_ERROR;
}

TG_GT_EXPORT long gnutls_record_send_range(tg_gt_session s, const void *data, size_t n,
                                           const void *range)
{
    REFUSE(s, g)
    return g->gnutls_record_send_range ? g->gnutls_record_send_range(s, data, n, range)
                                       : TG_GT_E_INTERNAL_ERROR;
}

TG_GT_EXPORT long gnutls_record_recv(tg_gt_session s, void *data, size_t n)
{
    REFUSE(s, g)
    return g->gnutls_record_recv(s, data, n);
}

TG_GT_EXPORT long gnutls_record_recv_seq(tg_gt_session s, void *data, size_t n, unsigned char *seq)
{
    REFUSE(s, g)
    return g->gnutls_record_recv_seq ? g->gnutls_record_recv_seq(s, data, n, seq)
                                     : TG_GT_E_INTERNAL_ERROR;
}

TG_GT_EXPORT long gnutls_record_recv_packet(tg_gt_session s, void **packet)
{
    REFUSE(s, g)
    return g->gnutls_record_recv_packet ? g->gnutls_record_recv_packet(s, packet)
                                        : TG_GT_E_INTERNAL_ERROR;
}

TG_GT_EXPORT long gnutls_record_send_file(tg_gt_session s, int fd, long *offset, size_t n)
{
    REFUSE(s, g)
    return g->gnutls_record_send_file ? g->gnutls_record_send_file(s, fd, offset, n)
                                      : TG_GT_E_INTERNAL_ERROR;
}

TG_GT_EXPORT int gnutls_record_uncork(tg_gt_session s, unsigned flags)
{
    REFUSE(s, g)
    return g->gnutls_record_uncork ? g->gnutls_record_uncork(s, flags) : TG_GT_E_INTERNAL_ERROR;
}

/* 0-RTT data goes out before the server's certificate is even seen: never
 * on a client session the shim watches (the data is kept for after the
 * handshake by a program that checks this call's result). */
TG_GT_EXPORT long gnutls_record_send_early_data(tg_gt_session s, const void *data, size_t n)
{
    REFUSE(s, g)
    struct tg_gt_rec *r = tg_gt_inside() ? NULL : tg_gt_rec_get(s, 0);
    if (r && r->is_client && !r->rules.audit)
        return TG_GT_E_CERTIFICATE_VERIFICATION_ERROR;
    return g->gnutls_record_send_early_data ? g->gnutls_record_send_early_data(s, data, n)
                                            : TG_GT_E_INTERNAL_ERROR;
}

/* A blocked session's socket is shut both ways (gt_decide.c). The
 * close_notify or alert a program sends on its way out would go to it, and
 * libgnutls writes without MSG_NOSIGNAL (unless GNUTLS_NO_SIGNAL): SIGPIPE
 * inside the library, killing a program that never ignored it. So none is
 * sent, as libssl sends none after a refused handshake: only the program's
 * own write(2) to the descriptor meets the shut socket. */
TG_GT_EXPORT int gnutls_bye(tg_gt_session s, int how)
{
    REFUSE(s, g)
    return g->gnutls_bye(s, how);
}

TG_GT_EXPORT int gnutls_alert_send(tg_gt_session s, int level, int desc)
{
    REFUSE(s, g)
    return g->gnutls_alert_send(s, level, desc);
}

TG_GT_EXPORT int gnutls_alert_send_appropriate(tg_gt_session s, int err)
{
    REFUSE(s, g)
    return g->gnutls_alert_send_appropriate(s, err);
}
