/*
 * log_dest.c — what a log destination's text means.
 */
#include "log_dest.h"

#include <string.h>

int tg_log_dest_parse(const char *text, enum tg_log_kind *kind)
{
    if (text == NULL)
        return -1;
    if (strcmp(text, "stderr") == 0)
        *kind = TG_LOG_STDERR;
    else if (strcmp(text, "syslog") == 0)
        *kind = TG_LOG_SYSLOG;
    else if (strcmp(text, "none") == 0)
        *kind = TG_LOG_NONE;
    else if (text[0] == '/')
        *kind = TG_LOG_FILE;
    else
        return -1;
    return 0;
}
