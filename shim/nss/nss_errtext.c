/*
 * nss_errtext.c — the thread's last NSS error a block caused (see
 * nss_errtext.h). Thread-local, as NSPR's own error is.
 */
#include "nss_errtext.h"

#include <stdio.h>
#include <string.h>

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

/* NSPR keeps one error text per thread beside the code and empties it at
 * every PR_SetError: the block's text standing there says the current
 * error is still the block's, not a later one with the same code (the
 * program's own CERT_VerifyCertificateNow, say). */
static void mark(const struct tg_nss *n)
{
    n->PR_SetErrorText((int)strlen(last.text), last.text);
}

static int marked(const struct tg_nss *n)
{
    char now[sizeof last.text + 32];
    int32_t len = n->PR_GetErrorTextLength();
    return len > 0 && (size_t)len < sizeof now && n->PR_GetErrorText(now) == len &&
           (size_t)len == strlen(last.text) && !memcmp(now, last.text, (size_t)len);
}

void tg_nss_errtext_io_failed(const struct tg_nss *n, const tg_pr_fd *fd, int blocked, int32_t code)
{
    if (!last.fd)
        return;
    if (blocked && fd == last.fd) {
        last.code = code;
        mark(n); /* this error is the same block's */
    } else {
        last.fd = NULL;
    }
}

void tg_nss_errtext_forget(void)
{
    last.fd = NULL;
}

const char *tg_nss_errtext_for(const struct tg_nss *n, int32_t code)
{
    return last.fd && code == last.code && n->PR_GetError() == code && marked(n) ? last.text : NULL;
}

int tg_nss_errtext_held(void)
{
    return last.fd != NULL;
}
