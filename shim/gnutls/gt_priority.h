/*
 * gt_priority.h — the protocol and suite floor on a GnuTLS session: the
 * program's own priority (whatever it set: a string, a cache, the
 * default) with every version below the floor and every weak suite taken
 * out, checked on the result.
 */
#ifndef TG_GT_PRIORITY_H
#define TG_GT_PRIORITY_H

#include "gt_records.h"

/* Set the session's priority from the program's, floored (or as the
 * program had it, in audit mode). A failure is recorded as the reason. */
void tg_gt_priority_apply(const struct tg_gtls *g, struct tg_gt_rec *r);

/* The floored priority on the session, not in audit mode: 0 when set; -1
 * (nothing recorded, nothing blocked) when it could not be. Only one made
 * before unless `may_make`. */
int tg_gt_priority_try(const struct tg_gtls *g, struct tg_gt_rec *r, int may_make);

/* Our verify function on the session, the program's kept for chaining. */
void tg_gt_verify_install(const struct tg_gtls *g, struct tg_gt_rec *r);

#endif
