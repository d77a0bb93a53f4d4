/*
 * init.h — lazy, once-only initialisation shared by every hook (a
 * backend's own entry adds its library: shim/openssl/enter.h).
 */
#ifndef TG_INIT_H
#define TG_INIT_H

/* Process settings (log destination, environment): once, from the
 * constructor or from whichever hook runs first. */
void tg_init(void);

#define TG_CALLER() __builtin_return_address(0)

/* Exported symbols: everything else is hidden (-fvisibility=hidden). */
#define TG_EXPORT __attribute__((visibility("default")))

#endif
