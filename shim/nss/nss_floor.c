/*
 * nss_floor.c — version ranges and suite preferences: NSS keeps both per
 * socket (copied from a model or the defaults at SSL_ImportFD), so the
 * floor is put on the defaults, on every imported socket, and again after
 * each call of the program's that can lower them (hook_nss_floor.c).
 */
#include "nss_floor.h"
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

int tg_nss_suite_weak(const struct tg_nss *n, uint16_t suite)
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

void tg_nss_weak_off(const struct tg_nss *n, tg_pr_fd *fd)
{
    const uint16_t *all = n->SSL_GetImplementedCiphers();
    uint16_t count = n->SSL_GetNumImplementedCiphers();
    for (uint16_t i = 0; all && i < count; i++)
        if (tg_nss_suite_weak(n, all[i])) {
            if (fd)
                n->SSL_CipherPrefSet(fd, all[i], 0);
            else
                n->SSL_CipherPrefSetDefault(all[i], 0);
        }
}
