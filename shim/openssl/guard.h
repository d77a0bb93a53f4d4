/*
 * guard.h — re-entrancy guard.
 *
 * libssl calls its own exported functions through the PLT, so a hooked
 * SSL_connect re-enters our SSL_do_handshake hook for the same SSL. While the
 * shim is inside a real call on an object, hooks on that same object pass
 * straight through; calls on other objects (a TLS proxy's inner connection)
 * are still checked.
 */
#ifndef TG_GUARD_H
#define TG_GUARD_H

extern __thread const void *tg_guard_obj;

static inline int tg_guard_is(const void *obj)
{
    return tg_guard_obj == obj;
}

/* Run `expr` (a real OpenSSL call on `obj`) with the guard set to `obj`. */
#define TG_GUARDED(obj, expr)                                                                      \
    do {                                                                                           \
        const void *tg_saved_ = tg_guard_obj;                                                      \
        tg_guard_obj = (obj);                                                                      \
        expr;                                                                                      \
        tg_guard_obj = tg_saved_;                                                                  \
    } while (0)

#endif
