/*
 * enter.h — the entry every OpenSSL hook takes.
 */
#ifndef TG_ENTER_H
#define TG_ENTER_H

#include "init.h"
#include "libs.h"

/* Everything a hook needs: settings, and the libssl copy its caller uses,
 * resolved and set up. NULL means the shim cannot work for this call, and
 * the hook must fail closed. `caller` is the hook's return address. */
static inline const struct tg_ossl *tg_enter(const void *caller)
{
    tg_init();
    return tg_libs_for(caller);
}

#endif
