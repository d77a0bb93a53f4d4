/*
 * hook_io.c — application data. On an established connection the cost is
 * one ex-data fetch; otherwise the gate finishes (and judges) the handshake
 * first, so no byte moves on a connection that fails the policy, even when
 * the program ignored the handshake's result. A call that fails because
 * the shim refused inside it (a renegotiation to a bad certificate the
 * server started during SSL_read) ends with the shim's error last on the
 * queue.
 */
#include "enforce.h"
#include "guard.h"
#include "enter.h"

/* The classic calls fail with <= 0; the _ex forms with 0. */
#define TG_IO_HOOK(ret_t, name, params, args, fail)                                                \
    TG_EXPORT ret_t name params                                                                    \
    {                                                                                              \
        const struct tg_ossl *o = tg_enter(TG_CALLER());                                           \
        if (!o || !o->name)                                                                        \
            return fail;                                                                           \
        if (!tg_guard_is(ssl)) {                                                                   \
            int gate = tg_io_gate(o, ssl);                                                         \
            if (gate != 1)                                                                         \
                return (fail) == 0 ? 0 : (ret_t)gate;                                              \
        }                                                                                          \
        ret_t r_ = o->name args;                                                                   \
        if (r_ <= 0)                                                                               \
            tg_io_failed(o, ssl);                                                                  \
        return r_;                                                                                 \
    }

TG_IO_HOOK(int, SSL_read, (SSL * ssl, void *buf, int num), (ssl, buf, num), -1)
TG_IO_HOOK(int, SSL_peek, (SSL * ssl, void *buf, int num), (ssl, buf, num), -1)
TG_IO_HOOK(int, SSL_write, (SSL * ssl, const void *buf, int num), (ssl, buf, num), -1)
/* 1.1.1+ */
TG_IO_HOOK(int, SSL_read_ex, (SSL * ssl, void *buf, size_t num, size_t *n), (ssl, buf, num, n), 0)
TG_IO_HOOK(int, SSL_peek_ex, (SSL * ssl, void *buf, size_t num, size_t *n), (ssl, buf, num, n), 0)
TG_IO_HOOK(int, SSL_write_ex, (SSL * ssl, const void *buf, size_t num, size_t *n),
           (ssl, buf, num, n), 0)
/* 3.0+: KTLS sendfile, only valid after the handshake. */
TG_IO_HOOK(ssize_t, SSL_sendfile, (SSL * ssl, int fd, off_t off, size_t size, int flags),
           (ssl, fd, off, size, flags), -1)

/* 1.1.1+: 0-RTT data would leave before the server is verified, so it is
 * refused until the handshake has passed the policy (the program then sends
 * it as ordinary data). */
TG_IO_HOOK(int, SSL_write_early_data, (SSL * ssl, const void *buf, size_t num, size_t *n),
           (ssl, buf, num, n), 0)
