/*
 * nss_errtext.c — the thread's last NSS error a block caused (see
 * nss_errtext.h). Thread-local, as NSPR's own error is.
 */
#include "nss_errtext.h"

#include <stdio.h>

struct last_block {
    const tg_pr_fd *fd; /* NULL: nothing held */
    int32_t code;
    char text[480];
};

static __thread struct last_block last;

void tg_nss_errtext_set(const tg_pr_fd *fd, int32_t code, const char *text)
{
    last.fd = fd;
    last.code = code;
    snprintf(last.text, sizeof last.text, "%s", text);
}

void tg_nss_errtext_io_failed(const tg_pr_fd *fd, int blocked, int32_t code)
{
    if (!last.fd)
        return;
    if (blocked && fd == last.fd)
        last.code = code;
    else
        last.fd = NULL;
}

void tg_nss_errtext_forget(void)
{
    last.fd = NULL;
}

const char *tg_nss_errtext_for(int32_t code, int32_t current)
{
    return last.fd && code == last.code && current == code ? last.text : NULL;
}

int tg_nss_errtext_held(void)
{
    return last.fd != NULL;
}
