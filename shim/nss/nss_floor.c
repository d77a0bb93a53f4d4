/*
 * nss_floor.c — version ranges and suite preferences: NSS keeps both per
 * socket (copied from a model or the defaults at SSL_ImportFD), so the
 * floor is put on the defaults, on every imported socket, and again after
 * each call of the program's that can lower them (hook_nss_floor.c).
 */
#include "nss_floor.h"
#include "once.h"
#include "policy.h"

#include <string.h>

uint16_t tg_nss_floor_of(int min_protocol)
{
    return min_protocol == TG_TLS1_3 ? TG_NSS_TLS1_3 : TG_NSS_TLS1_2;
}

tg_nss_range tg_nss_range_clamp(const tg_nss_range *in, uint16_t floor)
{
    tg_nss_range r = *in;
    if (r.min < floor)
        r.min = floor;
    if (r.max < r.min)
        r.max = r.min;
    return r;
}

int tg_nss_floor_apply(const struct tg_nss *n, tg_pr_fd *fd, uint16_t floor)
{
    tg_nss_range now, want;
    if (fd ? n->SSL_VersionRangeGet(fd, &now)
           : n->SSL_VersionRangeGetDefault(TG_NSS_VARIANT_STREAM, &now))
        return -1;
    want = tg_nss_range_clamp(&now, floor);
    if (want.min == now.min && want.max == now.max)
        return 0;
    return fd ? n->SSL_VersionRangeSet(fd, &want)
              : n->SSL_VersionRangeSetDefault(TG_NSS_VARIANT_STREAM, &want);
}

static int named_weak(const struct tg_nss *n, uint16_t suite)
{
    static const char *const weak[] = { "NULL", "anon", "EXPORT", "RC4", "DES", "MD5" };
    tg_nss_suite_info info;
    memset(&info, 0, sizeof info);
    if (n->SSL_GetCipherSuiteInfo(suite, &info, sizeof info) || !info.name)
        return 1;
    for (size_t i = 0; i < sizeof weak / sizeof *weak; i++)
        if (strstr(info.name, weak[i]))
            return 1;
    return 0;
}

/* NSS's implemented suites and each one's verdict, listed once (both are
 * NSS's constants): a socket's pass is then a look at the list, not a
 * name lookup per suite. `complete`: every implemented suite fitted. */
#define MAX_SUITES 512
static struct {
    uint16_t suite;
    unsigned char weak;
} suites[MAX_SUITES];
static size_t suite_count;
static int complete;
static tg_once_t suites_once = TG_ONCE_INIT;

static void list_suites(void)
{
    const struct tg_nss *n = tg_nss();
    const uint16_t *all = n ? n->SSL_GetImplementedCiphers() : NULL;
    uint16_t count = all ? n->SSL_GetNumImplementedCiphers() : 0;
    for (uint16_t i = 0; i < count && suite_count < MAX_SUITES; i++) {
        suites[suite_count].suite = all[i];
        suites[suite_count++].weak = (unsigned char)named_weak(n, all[i]);
    }
    complete = all && suite_count == count;
}

int tg_nss_suite_weak(const struct tg_nss *n, uint16_t suite)
{
    tg_once(&suites_once, list_suites);
    for (size_t i = 0; i < suite_count; i++)
        if (suites[i].suite == suite)
            return suites[i].weak;
    return named_weak(n, suite);
}

static void suite_off(const struct tg_nss *n, tg_pr_fd *fd, uint16_t suite)
{
    if (fd)
        n->SSL_CipherPrefSet(fd, suite, 0);
    else
        n->SSL_CipherPrefSetDefault(suite, 0);
}

void tg_nss_weak_off(const struct tg_nss *n, tg_pr_fd *fd)
{
    tg_once(&suites_once, list_suites);
    if (complete) {
        for (size_t i = 0; i < suite_count; i++)
            if (suites[i].weak)
                suite_off(n, fd, suites[i].suite);
        return;
    }
    const uint16_t *all = n->SSL_GetImplementedCiphers();
    uint16_t count = n->SSL_GetNumImplementedCiphers();
    for (uint16_t i = 0; all && i < count; i++)
        if (named_weak(n, all[i]))
            suite_off(n, fd, all[i]);
}
