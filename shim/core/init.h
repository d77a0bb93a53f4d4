/*
 * init.h — lazy, once-only initialisation shared by every hook.
 */
#ifndef TG_INIT_H
#define TG_INIT_H

#include "ossl.h"

/* Process settings (log destination, environment): once, from the
 * constructor or from whichever hook runs first. */
void tg_init(void);

/* Everything a hook needs: settings, and the libssl copy its caller uses,
 * resolved and set up. NULL means the shim cannot work for this call, and
 * the hook must fail closed. `caller` is the hook's return address. */
const struct tg_ossl *tg_enter(const void *caller);

#define TG_CALLER() __builtin_return_address(0)

/* Exported symbols: everything else is hidden (-fvisibility=hidden). */
#define TG_EXPORT __attribute__((visibility("default")))

#endif
