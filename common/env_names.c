/*
 * env_names.c — the names of env_names.h's list.
 */
#include "env_names.h"

const char *const tg_env_name[TG_ENV_COUNT] = {
#define TG_ENV_STRING(id, name) [TG_ENV_##id] = name,
    TG_ENV_VARS(TG_ENV_STRING)
#undef TG_ENV_STRING
};
