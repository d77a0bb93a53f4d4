/*
 * init.c — settings from the environment, once, and the entry every hook
 * takes.
 *
 * Nothing about a TLS library happens before a program actually calls one:
 * the constructor only reads the environment and duplicates stderr; each
 * library copy is resolved by its backend on the first intercepted call
 * that uses it.
 */
#include "init.h"
#include "exec_env.h"
#include "log.h"
#include "settings.h"
#include "once.h"

static tg_once_t settings_once = TG_ONCE_INIT;

static void settings_init(void)
{
    tg_log_open();
    tg_settings_read_env();
    tg_exec_env_capture();
}

void tg_init(void)
{
    tg_once(&settings_once, settings_init);
}

__attribute__((constructor)) static void tg_constructor(void)
{
    tg_init();
}
