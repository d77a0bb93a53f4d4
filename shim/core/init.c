/*
 * init.c — settings from the environment, once, and the entry every hook
 * takes.
 *
 * Nothing OpenSSL-related happens before a program actually calls OpenSSL:
 * the constructor only reads the environment and duplicates stderr; each
 * libssl is resolved on the first intercepted call that uses it.
 */
#include "init.h"
#include "exec_env.h"
#include "libs.h"
#include "log.h"
#include "settings.h"

#include <pthread.h>

static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

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

const struct tg_ossl *tg_enter(const void *caller)
{
    tg_init();
    return tg_libs_for(caller);
}

__attribute__((constructor)) static void tg_constructor(void)
{
    tg_init();
}
