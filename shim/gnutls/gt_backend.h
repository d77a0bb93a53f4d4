/*
 * gt_backend.h — the GnuTLS backend's entry in the core's backend table
 * (shim/core/backend.h).
 */
#ifndef TG_GT_BACKEND_H
#define TG_GT_BACKEND_H

#include "backend.h"
#include "gt_records.h"

struct tg_backend_conn {
    const struct tg_gtls *g;
    const struct tg_gt_rec *r;
};

extern const struct tg_backend tg_gnutls_backend;

/* The core's handle on a session's record, for the length of one call. */
#define TG_GT_BC(g_, r_) (&(struct tg_backend_conn){ .g = (g_), .r = (r_) })

#endif
