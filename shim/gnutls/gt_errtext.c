/*
 * gt_errtext.c — the thread's last GnuTLS error the shim caused (see
 * gt_errtext.h). Thread-local: an error belongs to the thread that got it.
 */
#include "gt_errtext.h"
#include "gtls.h"

#include <stdio.h>
#include <string.h>

struct last_block {
    char text[480];
    int pending; /* text set, code not yet known */
    int code;    /* 0: no block to speak of */
    int alert;   /* -1: none */
};

static __thread struct last_block last;

void tg_gt_errtext_pending(const char *text)
{
    snprintf(last.text, sizeof last.text, "%s", text);
    last.pending = 1;
}

void tg_gt_errtext_returned(int ret, int fatal, int blocked, int alert)
{
    if (ret >= 0 && !blocked) {
        last.code = 0, last.pending = 0;
        return;
    }
    if (ret < 0 && !fatal)
        return;
    if (blocked && last.pending) {
        last.code = ret;
        last.alert = ret == TG_GT_E_FATAL_ALERT_RECEIVED ? alert : -1;
        last.pending = 0;
    } else if (!blocked) {
        last.code = 0, last.pending = 0;
    }
}

const char *tg_gt_errtext_for_code(int code)
{
    /* A blocked session's later record calls answer with the verification
     * error (hook_gt_record.c): the same block, the same text. */
    if (!last.code || (code != last.code && code != TG_GT_E_CERTIFICATE_VERIFICATION_ERROR))
        return NULL;
    return last.text;
}

const char *tg_gt_errtext_for_alert(int alert)
{
    return last.code && last.alert >= 0 && alert == last.alert ? last.text : NULL;
}
