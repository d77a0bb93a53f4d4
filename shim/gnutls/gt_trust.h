/*
 * gt_trust.h — the trust lists the GnuTLS backend verifies against besides
 * the program's own: the system's (where the program set none) and the
 * policy's ca-file/ca-dir, global and per host. Each is built once, on
 * first need, and kept for the process's life.
 */
#ifndef TG_GT_TRUST_H
#define TG_GT_TRUST_H

#include "gtls.h"

/* The system's anchors: SSL_CERT_FILE / SSL_CERT_DIR when set (as
 * OpenSSL's default paths, which the OpenSSL backend uses), else
 * libgnutls's own system trust. NULL when it cannot be loaded. */
tg_gt_tlist tg_gt_trust_system(const struct tg_gtls *g);

/* The anchors of a ca-file/ca-dir pair (either may be NULL); NULL when both
 * are, or nothing could be loaded. */
tg_gt_tlist tg_gt_trust_paths(const struct tg_gtls *g, const char *file, const char *dir);

/* 1 when the program's credentials hold at least one anchor. */
int tg_gt_trust_has_ca(const struct tg_gtls *g, tg_gt_tlist list);

/* hook_gt_trust.c: a call that adds anchors to `list` added at least one,
 * and the trust generation after it is `gen`; so until the generation
 * moves on, `list` holds an anchor without iterating it. Only the latest
 * such list is kept. */
void tg_gt_trust_added(tg_gt_tlist list, unsigned long gen);
/* The credentials took `list` (gnutls_certificate_set_trust_list): the
 * generation moved from `before` to `after` for that alone. */
void tg_gt_trust_taken(tg_gt_tlist list, unsigned long before, unsigned long after);

#endif
