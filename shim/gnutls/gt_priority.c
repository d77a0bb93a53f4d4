/*
 * gt_priority.c — priority strings with the floor appended.
 */
#include "gt_priority.h"
#include "gt_decide.h"

#include "fork_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GNUTLS_PRIORITY_INIT_DEF_APPEND 1

/* Every name here is one GnuTLS 3.3 to 3.8 parse (an unknown one would make
 * the whole string invalid). Removing what is already absent is a no-op. */
#define BELOW_TLS12 "-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-DTLS0.9:-VERS-DTLS1.0"
#define BELOW_TLS13 ":-VERS-TLS1.2:-VERS-DTLS1.2"
#define WEAK_SUITES                                                                                \
    ":-ARCFOUR-128:-ARCFOUR-40:-3DES-CBC:-DES-CBC:-RC2-40:-NULL:-MD5:-ANON-DH:-ANON-ECDH"
/* When the program allowed nothing at or above the floor: what it gets. */
#define RAISE_TLS12 ":+VERS-TLS1.3:+VERS-TLS1.2"
#define RAISE_TLS13 ":+VERS-TLS1.3"
/* When the program listed no strong suite at all. */
#define STRONG_SUITES                                                                              \
    ":+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:+AEAD:+ECDHE-ECDSA:+ECDHE-RSA"                  \
    ":+SIGN-ALL:+GROUP-ALL"

/* A priority cache of the program's string plus `suffix` (NULL: none). */
static int make(const struct tg_gtls *g, const struct tg_gt_rec *r, const char *suffix,
                tg_gt_prio *out)
{
    char text[8192];
    const char *base = r->prio;
    unsigned flags = r->prio_flags;
    if (!base && !suffix)
        return g->gnutls_priority_init(out, NULL, NULL);
    if (!base && !g->gnutls_priority_init2)
        base = "NORMAL"; /* before 3.6.3: no appending to the default */
    else if (!base)
        flags |= GNUTLS_PRIORITY_INIT_DEF_APPEND;
    int n = snprintf(text, sizeof text, "%s%s%s", base ? base : "", base && suffix ? ":" : "",
                     suffix ? suffix : "");
    if (n < 0 || (size_t)n >= sizeof text)
        return -1;
    if (g->gnutls_priority_init2)
        return g->gnutls_priority_init2(out, text, NULL, flags);
    return g->gnutls_priority_init(out, text, NULL);
}

/* How many of the cache's protocols are below / at or above `floor`. */
static void count_versions(const struct tg_gtls *g, tg_gt_prio p, int floor, int *below, int *above)
{
    const unsigned *list = NULL;
    int n = g->gnutls_priority_protocol_list(p, &list);
    *below = *above = 0;
    for (int i = 0; list && i < n; i++) {
        if (list[i] >= 200) /* DTLS: never used on a stream */
            continue;
        if ((int)list[i] < floor)
            ++*below;
        else
            ++*above;
    }
}

/* The highest stream version `p` enables, as on the wire (0x0303: TLS
 * 1.2); 0 for none. */
static int highest_version(const struct tg_gtls *g, tg_gt_prio p)
{
    const unsigned *list = NULL;
    int n = g->gnutls_priority_protocol_list(p, &list), top = 0;
    for (int i = 0; list && i < n; i++)
        if (list[i] < 200 && (int)list[i] > top) /* 200 on: DTLS */
            top = (int)list[i];
    return top >= TG_GT_SSL3 && top <= TG_GT_TLS1_3 ? 0x0300 + top - 1 : 0;
}

/* The cache of the program's string plus `suffix`, if it keeps a version
 * at or above `floor` and none below; NULL otherwise. */
static tg_gt_prio try_suffix(const struct tg_gtls *g, const struct tg_gt_rec *r, int floor,
                             const char *suffix)
{
    tg_gt_prio p = NULL;
    int below, above;
    if (make(g, r, suffix, &p) != 0)
        return NULL;
    count_versions(g, p, floor, &below, &above);
    if (!below && above)
        return p;
    g->gnutls_priority_deinit(p);
    return NULL;
}

static int floor_of(const struct tg_gt_rec *r)
{
    return r->rules.settings.min_protocol >= TG_TLS1_3 ? TG_GT_TLS1_3 : TG_GT_TLS1_2;
}

/* 1 if one of `n` algorithms named by `name` is among WEAK_SUITES. */
static int weak_among(const unsigned *list, int n, const char *(*name)(int))
{
    for (int i = 0; list && i < n; i++) {
        const char *s = name((int)list[i]);
        size_t len = s ? strlen(s) : 0;
        for (const char *w = WEAK_SUITES; len && (w = strstr(w, s)) != NULL; w += len)
            if (w[-1] == '-' && (w[len] == ':' || !w[len]))
                return 1;
    }
    return 0;
}

/* 1 if `p` has a cipher, MAC or key exchange WEAK_SUITES removes, or this
 * GnuTLS cannot say (no list functions). */
static int has_weak(const struct tg_gtls *g, tg_gt_prio p)
{
    const unsigned *c = NULL, *m = NULL, *k = NULL;
    if (!g->gnutls_priority_cipher_list || !g->gnutls_priority_mac_list ||
        !g->gnutls_priority_kx_list || !g->gnutls_cipher_get_name || !g->gnutls_mac_get_name ||
        !g->gnutls_kx_get_name)
        return 1;
    int nc = g->gnutls_priority_cipher_list(p, &c), nm = g->gnutls_priority_mac_list(p, &m),
        nk = g->gnutls_priority_kx_list(p, &k);
    return nc < 0 || nm < 0 || nk < 0 || weak_among(c, nc, g->gnutls_cipher_get_name) ||
           weak_among(m, nm, g->gnutls_mac_get_name) || weak_among(k, nk, g->gnutls_kx_get_name);
}

/* The program's string with the versions' removals alone, when that is
 * the very cache the whole suffix gives: no weak suite is there (a removal
 * of what is absent changes nothing), and a version at or above the floor
 * is left. GnuTLS takes ~4 k instructions a name to parse the suffix; this
 * skips WEAK_SUITES' nine for a priority without them (NORMAL). NULL: the
 * whole suffix is needed. */
static tg_gt_prio versions_only(const struct tg_gtls *g, struct tg_gt_rec *r, int floor)
{
    char suffix[256];
    tg_gt_prio p = NULL;
    int below, above;
    snprintf(suffix, sizeof suffix, "%s%s", BELOW_TLS12, floor == TG_GT_TLS1_3 ? BELOW_TLS13 : "");
    if (make(g, r, suffix, &p) != 0)
        return NULL;
    count_versions(g, p, floor, &below, &above);
    if (!below && above && !has_weak(g, p))
        return p;
    g->gnutls_priority_deinit(p);
    return NULL;
}

/* The program's priority floored: versions and weak suites out; where that
 * leaves no version (or no suite), the floor's versions (strong suites)
 * come in, as OpenSSL's backend lets a program that disabled them all
 * negotiate those instead. */
static tg_gt_prio floored(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    char suffix[1024];
    tg_gt_prio ours;
    int floor = floor_of(r);
    const char *raise = floor == TG_GT_TLS1_3 ? RAISE_TLS13 : RAISE_TLS12;
    r->floor_raised = 1; /* versions or suites may be gone: judged on failure */
    if ((ours = versions_only(g, r, floor)))
        return ours;
    snprintf(suffix, sizeof suffix, "%s%s%s", BELOW_TLS12, floor == TG_GT_TLS1_3 ? BELOW_TLS13 : "",
             WEAK_SUITES);
    if ((ours = try_suffix(g, r, floor, suffix)))
        return ours;
    strncat(suffix, raise, sizeof suffix - strlen(suffix) - 1);
    if ((ours = try_suffix(g, r, floor, suffix)))
        return ours;
    strncat(suffix, STRONG_SUITES, sizeof suffix - strlen(suffix) - 1);
    return try_suffix(g, r, floor, suffix);
}

/* Floored caches by all that floored() reads: the program's string, its
 * flags, the floor. GnuTLS takes ~100 000 instructions to parse a priority
 * string, and a session is floored twice (when the program sets its
 * priority, again at the handshake), so each is made once and kept for the
 * process: gnutls_priority_set takes a reference of its own (3.6+) or a
 * copy (before), so one cache serves every session. */
#define FLOORED_CACHED 8
static TG_FORK_LOCK(floored_lock);
static struct {
    char *prio; /* NULL: the default */
    unsigned flags;
    int floor;
    tg_gt_prio p;
} floored_cache[FLOORED_CACHED];
static int floored_count;

static int same_prio(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* floored(), from the cache when it was made before; *owned: the caller
 * deinits it (it could not be kept). */
static tg_gt_prio floored_cached(const struct tg_gtls *g, struct tg_gt_rec *r, int may_make,
                                 int *owned)
{
    tg_gt_prio p = NULL;
    int floor = floor_of(r);
    tg_fork_lock(&floored_lock);
    for (int i = 0; i < floored_count && !p; i++)
        if (same_prio(floored_cache[i].prio, r->prio) && floored_cache[i].flags == r->prio_flags &&
            floored_cache[i].floor == floor)
            p = floored_cache[i].p;
    tg_fork_unlock(&floored_lock);
    *owned = 0;
    if (p) {
        r->floor_raised = 1; /* as floored() says */
        return p;
    }
    if (!may_make || !(p = floored(g, r)))
        return NULL;
    char *key = r->prio ? strdup(r->prio) : NULL;
    tg_fork_lock(&floored_lock);
    if (floored_count < FLOORED_CACHED && (key || !r->prio)) {
        floored_cache[floored_count].prio = key;
        floored_cache[floored_count].flags = r->prio_flags;
        floored_cache[floored_count].floor = floor;
        floored_cache[floored_count++].p = p;
        key = NULL;
    } else {
        *owned = 1;
    }
    tg_fork_unlock(&floored_lock);
    free(key);
    return p;
}

void tg_gt_priority_apply(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    tg_gt_prio p = NULL;
    int owned = 0;
    tg_gt_enter_own();
    if (r->rules.audit) {
        if (r->floor_raised && make(g, r, NULL, &p) == 0) { /* undo: as the program had it */
            r->floor_raised = 0;
            if (g->gnutls_priority_set(r->session, p) != 0)
                tg_verdict_note(&r->verdict, TG_R_INTERNAL,
                                "cannot restore the program's priority");
            g->gnutls_priority_deinit(p);
        }
    } else if (!(p = floored_cached(g, r, 1, &owned))) {
        tg_verdict_note(&r->verdict, TG_R_INTERNAL,
                        "cannot apply the protocol floor to the priority %s",
                        r->prio ? r->prio : "(default)");
        tg_gt_block(g, r);
    } else {
        r->offered_max = highest_version(g, p);
        if (g->gnutls_priority_set(r->session, p) != 0) {
            tg_verdict_note(&r->verdict, TG_R_INTERNAL, "cannot set the floored priority");
            tg_gt_block(g, r);
        }
        if (owned)
            g->gnutls_priority_deinit(p);
    }
    tg_gt_leave_own();
}

int tg_gt_priority_try(const struct tg_gtls *g, struct tg_gt_rec *r, int may_make)
{
    int owned = 0, ok = 0;
    if (r->rules.audit)
        return -1;
    tg_gt_enter_own();
    tg_gt_prio p = floored_cached(g, r, may_make, &owned);
    if (p) {
        r->offered_max = highest_version(g, p);
        ok = g->gnutls_priority_set(r->session, p) == 0;
        if (owned)
            g->gnutls_priority_deinit(p);
    }
    tg_gt_leave_own();
    return ok ? 0 : -1;
}

void tg_gt_verify_install(const struct tg_gtls *g, struct tg_gt_rec *r)
{
    tg_gt_enter_own();
    g->gnutls_session_set_verify_function(r->session, tg_gt_verify_cb);
    tg_gt_leave_own();
}
