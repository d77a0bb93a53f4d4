/*
 * backends.c — the one list of the shim's backends, for what asks each in
 * turn (the shim's dlsym: whose library a function is).
 */
#include "backend.h"

#include <stddef.h>

extern const struct tg_backend tg_openssl_backend, tg_gnutls_backend, tg_nss_backend;

const struct tg_backend *const tg_backends[] = { &tg_openssl_backend, &tg_gnutls_backend,
                                                 &tg_nss_backend, NULL };
