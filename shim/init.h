/*
 * init.h — lazy, once-only initialisation shared by every hook.
 */
#ifndef TG_INIT_H
#define TG_INIT_H

#include "ossl.h"

/* Process settings (log destination, environment): once, from the
 * constructor or from whichever hook runs first. */
void tg_init(void);

/* Everything a hook needs: settings, the resolved libssl, the ex-data
 * indexes and error strings. NULL means the shim cannot work in this
 * process, and the caller must fail closed. `caller` is the program's
 * return address (see tg_ossl_get). */
const struct tg_ossl *tg_enter(const void *caller);

#define TG_CALLER() __builtin_return_address(0)

/* Exported symbols: everything else is hidden (-fvisibility=hidden). */
#define TG_EXPORT __attribute__((visibility("default")))

#endif
