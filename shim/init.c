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
#include "log.h"

#include <pthread.h>

static pthread_once_t settings_once = PTHREAD_ONCE_INIT;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static int state_ok;

static void settings_init(void)
{
    tg_log_open();
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
    state_ok = 1;
}

const struct tg_ossl *tg_enter(const void *caller)
{
    tg_init();
    const struct tg_ossl *o = tg_ossl_get(caller);
    if (!o)
        return NULL;
    pthread_once(&state_once, state_init);
    return state_ok ? o : NULL;
}

__attribute__((constructor)) static void tg_constructor(void)
{
    tg_init();
}
