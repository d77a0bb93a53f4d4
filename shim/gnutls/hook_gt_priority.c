/*
 * hook_gt_priority.c — every way a GnuTLS program sets a priority: the
 * program's call goes through unchanged (its errors and err_pos stay its
 * own), then the floored version of what it asked for replaces it on the
 * session; or, for a string it asks to have set directly, the floored
 * version in its place when that can be made (floored_instead). Caches remember their string so gnutls_priority_set knows it.
 */
#include "gt_ask.h"
#include "gt_decide.h"
#include "gt_priority.h"
#include "init.h"

#include <stdlib.h>
#include <string.h>

#define GNUTLS_PRIORITY_INIT_DEF_APPEND 1

static const struct tg_gtls *enter(void)
{
    tg_init();
    return tg_gtls();
}

/* The program set `str` (NULL: the default) on `s`: floor it now, with
 * what is known of the name so far (the handshake applies it again once
 * the name is final). */
static void program_set(const struct tg_gtls *g, tg_gt_session s, char *str, int known,
                        unsigned flags)
{
    struct tg_gt_rec *r = tg_gt_rec_get(s, 0);
    if (!r) { /* servers too: their floor */
        free(str);
        return;
    }
    free(r->prio);
    r->prio = known ? str : NULL; /* unknown cache: the default, floored */
    r->prio_flags = known ? flags : 0;
    r->prio_set = 1;
    r->floor_raised = 0;
    tg_gt_early_rules(g, r); /* an unusable policy: the handshake blocks */
    tg_gt_priority_apply(g, r);
}

static char *copy(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The program asks for `str` (NULL: the default) on `s`, by a call that
 * parses it into a cache, sets it, and frees it: work that program_set's
 * floored cache would overwrite at once (~80 k instructions a session).
 * So the floored cache is set in its place: 1 when it was. Not in audit
 * mode (the program's own priority stands), not without a client record,
 * and not when the floored cache cannot be set: the program's call then
 * runs, and says why. A string is floored in place only once GnuTLS took
 * it from the program before (its floored cache exists): a string GnuTLS
 * refuses still gets GnuTLS's error and err_pos. */
static int floored_instead(const struct tg_gtls *g, tg_gt_session s, const char *str)
{
    struct tg_gt_rec *r = tg_gt_rec_get(s, 0);
    char *keep = copy(str);
    if (!r || (str && !keep)) {
        free(keep);
        return 0;
    }
    free(r->prio);
    r->prio = keep;
    r->prio_flags = 0;
    r->prio_set = 1;
    r->floor_raised = 0;
    tg_gt_early_rules(g, r); /* an unusable policy: the handshake blocks */
    return tg_gt_priority_try(g, r, !str) == 0;
}

TG_GT_EXPORT int gnutls_priority_init(tg_gt_prio *p, const char *str, const char **err)
{
    const struct tg_gtls *g = enter();
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    int ret = g->gnutls_priority_init(p, str, err);
    if (ret == 0 && !tg_gt_inside())
        tg_gt_prio_remember(*p, str, 0);
    return ret;
}

TG_GT_EXPORT int gnutls_priority_init2(tg_gt_prio *p, const char *str, const char **err,
                                       unsigned flags)
{
    const struct tg_gtls *g = enter();
    if (!g || !g->gnutls_priority_init2)
        return TG_GT_E_INTERNAL_ERROR;
    int ret = g->gnutls_priority_init2(p, str, err, flags);
    if (ret == 0 && !tg_gt_inside())
        tg_gt_prio_remember(*p, str, flags);
    return ret;
}

TG_GT_EXPORT void gnutls_priority_deinit(tg_gt_prio p)
{
    const struct tg_gtls *g = enter();
    if (!tg_gt_inside())
        tg_gt_prio_forget(p);
    if (g)
        g->gnutls_priority_deinit(p);
}

TG_GT_EXPORT int gnutls_priority_set(tg_gt_session s, tg_gt_prio p)
{
    const struct tg_gtls *g = enter();
    tg_gt_ask_forget(s); /* the session's verify flags may change */
    char *str = NULL;
    unsigned flags = 0;
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (tg_gt_inside())
        return g->gnutls_priority_set(s, p);
    int ret = g->gnutls_priority_set(s, p);
    if (ret == 0) {
        int known = tg_gt_prio_lookup(p, &str, &flags);
        program_set(g, s, str, known, flags);
    }
    return ret;
}

TG_GT_EXPORT int gnutls_priority_set_direct(tg_gt_session s, const char *str, const char **err)
{
    const struct tg_gtls *g = enter();
    tg_gt_ask_forget(s); /* the session's verify flags may change */
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (tg_gt_inside())
        return g->gnutls_priority_set_direct(s, str, err);
    if (floored_instead(g, s, str))
        return 0;
    tg_gt_enter_own(); /* its inner init/set are its own, not the program's */
    int ret = g->gnutls_priority_set_direct(s, str, err);
    tg_gt_leave_own();
    if (ret == 0)
        program_set(g, s, copy(str), 1, 0);
    return ret;
}

TG_GT_EXPORT int gnutls_set_default_priority(tg_gt_session s)
{
    const struct tg_gtls *g = enter();
    tg_gt_ask_forget(s); /* the session's verify flags may change */
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (tg_gt_inside())
        return g->gnutls_set_default_priority(s);
    if (floored_instead(g, s, NULL))
        return 0;
    tg_gt_enter_own();
    int ret = g->gnutls_set_default_priority(s);
    tg_gt_leave_own();
    if (ret == 0)
        program_set(g, s, NULL, 1, 0);
    return ret;
}

TG_GT_EXPORT int gnutls_set_default_priority_append(tg_gt_session s, const char *add,
                                                    const char **err, unsigned flags)
{
    const struct tg_gtls *g = enter();
    tg_gt_ask_forget(s);
    if (!g || !g->gnutls_set_default_priority_append)
        return TG_GT_E_INTERNAL_ERROR;
    if (tg_gt_inside())
        return g->gnutls_set_default_priority_append(s, add, err, flags);
    tg_gt_enter_own();
    int ret = g->gnutls_set_default_priority_append(s, add, err, flags);
    tg_gt_leave_own();
    (void)flags; /* no flag of its own changes the priority */
    if (ret == 0)
        program_set(g, s, copy(add), 1, GNUTLS_PRIORITY_INIT_DEF_APPEND);
    return ret;
}
