/*
 * init.c — settings from the environment and the once-only set-up chain.
 *
 * Work is split so that nothing OpenSSL-related happens before a program
 * actually calls OpenSSL: the constructor only reads the environment and
 * duplicates stderr; libssl is resolved on the first intercepted call.
 */
#include "init.h"
#include "block.h"
#include "conn.h"
#include "exec_env.h"
#include "log.h"
#include "settings.h"

#include <pthread.h>

static pthread_once_t settings_once = PTHREAD_ONCE_INIT;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static const struct tg_ossl *ready; /* set once everything is in place */

static void settings_init(void)
{
    tg_log_open();
    tg_settings_read_env();
    tg_exec_env_capture();
}

void tg_init(void)
{
    pthread_once(&settings_once, settings_init);
}

static void state_init(void)
{
    const struct tg_ossl *o = tg_ossl_peek();
    if (tg_conn_init(o) != 0) {
        tg_log_internal("cannot register OpenSSL ex-data; TLS connections fail closed");
        return;
    }
    tg_block_init(o);
    __atomic_store_n(&ready, o, __ATOMIC_RELEASE);
}

const struct tg_ossl *tg_enter(const void *caller)
{
    /* The hot path: one atomic load. */
    const struct tg_ossl *o = __atomic_load_n(&ready, __ATOMIC_ACQUIRE);
    if (o)
        return o;
    tg_init();
    if (!tg_ossl_get(caller))
        return NULL;
    pthread_once(&state_once, state_init);
    return __atomic_load_n(&ready, __ATOMIC_ACQUIRE);
}

__attribute__((constructor)) static void tg_constructor(void)
{
    tg_init();
}
