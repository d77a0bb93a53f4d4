/*
 * ossl_err.c — the OpenSSL error queue, per version: packing error codes,
 * pushing tlsguard's error, and putting it both first and last on the queue
 * (programs read one end or the other: Python 2's ssl the first error,
 * ERR_get_error; Python 3 and many C programs the last, ERR_peek_last_error).
 */
#include "ossl.h"

#include <stdio.h>
#include <string.h>

#define TG_ERR_LIB_SYS     2
#define TG_ERR_TXT_STRING  0x02
#define TG_ERR_SYSTEM_FLAG 0x80000000UL /* 3.0+: errno-based errors */
/* ERR_NUM_ERRORS is 16 from 0.9.8 to 3.x and the ring keeps one slot free:
 * a queue holds at most 15 errors, the oldest dropped first. */
#define QUEUE_CAPACITY 15

/* Error codes: 3.0 packs lib<<23 | reason (23 bits) and flags system errors
 * with the top bit; 1.x packs lib<<24 | func<<12 | reason (12 bits). */
int tg_ossl_err_lib(const struct tg_ossl *o, unsigned long e)
{
    if (o->major >= 3)
        return (e & TG_ERR_SYSTEM_FLAG) ? TG_ERR_LIB_SYS : (int)((e >> 23) & 0xff);
    return (int)((e >> 24) & 0xff);
}

int tg_ossl_err_reason(const struct tg_ossl *o, unsigned long e)
{
    if (o->major >= 3)
        return (int)(e & 0x7fffffUL);
    return (int)(e & 0xfffUL);
}

unsigned long tg_ossl_err_pack(const struct tg_ossl *o, int lib, int reason)
{
    if (o->major >= 3)
        return (((unsigned long)lib & 0xffUL) << 23) | ((unsigned long)reason & 0x7fffffUL);
    return (((unsigned long)lib & 0xffUL) << 24) | ((unsigned long)reason & 0xfffUL);
}

/* ERR_put_error was removed in 3.0 in favour of ERR_new/ERR_set_debug/
 * ERR_set_error. `text` may be NULL (no data). */
void tg_ossl_err_push(const struct tg_ossl *o, int lib, int reason, const char *text)
{
    if (o->major >= 3) {
        o->ERR_new();
        o->ERR_set_debug("tlsguard", 0, "tlsguard");
        if (text)
            o->ERR_set_error(lib, reason, "%s", text);
        else
            o->ERR_set_error(lib, reason, NULL);
    } else {
        o->ERR_put_error(lib, 0, reason, "tlsguard", 0);
        if (text)
            o->ERR_add_error_data(1, text);
    }
}

/* One error taken off the queue, with everything needed to put it back. */
struct saved_error {
    unsigned long code;
    const char *file, *func; /* static strings of the library that pushed it */
    int line;
    int has_data;
    char data[256];
};

/* Take the oldest error off the queue into `s`; 0 when the queue is empty.
 * ERR_get_error_all: 3.0+ (with the function name); ERR_get_error_line_data
 * before (the function is part of the 1.x code). */
static int take(const struct tg_ossl *o, struct saved_error *s)
{
    const char *file = NULL, *func = NULL, *data = NULL;
    int line = 0, flags = 0;
    if (o->ERR_get_error_all)
        s->code = o->ERR_get_error_all(&file, &line, &func, &data, &flags);
    else
        s->code = o->ERR_get_error_line_data(&file, &line, &data, &flags);
    if (!s->code)
        return 0;
    s->file = file ? file : "";
    s->func = func ? func : "";
    s->line = line;
    /* The queue still owns `data` and reuses it on the next push: copy. */
    s->has_data = (flags & TG_ERR_TXT_STRING) && data && *data;
    if (s->has_data)
        snprintf(s->data, sizeof s->data, "%s", data);
    return 1;
}

static void put_back(const struct tg_ossl *o, const struct saved_error *s)
{
    if (o->major >= 3) {
        int sys = (s->code & TG_ERR_SYSTEM_FLAG) != 0;
        int lib = sys ? TG_ERR_LIB_SYS : tg_ossl_err_lib(o, s->code);
        int reason = sys ? (int)(s->code & ~TG_ERR_SYSTEM_FLAG) : tg_ossl_err_reason(o, s->code);
        o->ERR_new();
        o->ERR_set_debug(s->file, s->line, s->func);
        if (s->has_data)
            o->ERR_set_error(lib, reason, "%s", s->data);
        else
            o->ERR_set_error(lib, reason, NULL);
        return;
    }
    o->ERR_put_error((int)((s->code >> 24) & 0xff), (int)((s->code >> 12) & 0xfff),
                     (int)(s->code & 0xfff), s->file, s->line);
    if (s->has_data)
        o->ERR_add_error_data(1, s->data);
}

int tg_ossl_err_can_bracket(const struct tg_ossl *o)
{
    return o->ERR_get_error_all || o->ERR_get_error_line_data;
}

/* Rebuild the queue as [ours, what was there, ours]. Older errors of `lib`
 * are dropped (the new one supersedes them, and a refused call repeated in
 * a loop must not fill the queue); the newest QUEUE_CAPACITY - 2 others are
 * kept, in order, with their data. Marks (ERR_set_mark) cannot be read
 * back and do not survive: a program that pops to a mark it set before the
 * handshake call clears the whole queue instead of its tail. */
void tg_ossl_err_push_first_last(const struct tg_ossl *o, int lib, int reason, const char *text)
{
    enum {
        KEEP = QUEUE_CAPACITY - 2
    };
    struct saved_error saved[KEEP], s;
    int n = 0;
    if (!tg_ossl_err_can_bracket(o)) {
        tg_ossl_err_push(o, lib, reason, text); /* last only */
        return;
    }
    while (take(o, &s)) {
        if (lib != 0 && tg_ossl_err_lib(o, s.code) == lib)
            continue;
        if (n == KEEP) {
            memmove(saved, saved + 1, (KEEP - 1) * sizeof saved[0]);
            n--;
        }
        saved[n++] = s;
    }
    tg_ossl_err_push(o, lib, reason, text);
    if (!n)
        return; /* one error is first and last */
    for (int i = 0; i < n; i++)
        put_back(o, &saved[i]);
    tg_ossl_err_push(o, lib, reason, text);
}
