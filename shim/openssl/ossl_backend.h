/*
 * ossl_backend.h — this library's entry in the core's backend table
 * (shim/core/backend.h).
 */
#ifndef TG_OSSL_BACKEND_H
#define TG_OSSL_BACKEND_H

#include "backend.h"
#include "ossl.h"

struct tg_backend_conn {
    const struct tg_ossl *o; /* the libssl copy the SSL belongs to */
    const SSL *ssl;
};

extern const struct tg_backend tg_openssl_backend;

/* The core's handle on `ssl`, for the length of one call. */
#define TG_BC(o_, ssl_) (&(struct tg_backend_conn){ .o = (o_), .ssl = (ssl_) })

#endif
