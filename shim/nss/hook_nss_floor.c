/*
 * hook_nss_floor.c — the program's protocol and suite settings, raised to
 * the floor: a range is clamped, an option that widens the range is
 * followed by the floor again, a weak suite stays off, and the session
 * cache stays off (hook_nss_socket.c says why).
 */
#include "init.h"
#include "nss_floor.h"
#include "nss_records.h"

uint16_t tg_nss_hook_floor(tg_pr_fd *fd);

static int is_version_option(int32_t opt)
{
    return opt == TG_NSS_ENABLE_SSL2 || opt == TG_NSS_ENABLE_SSL3 || opt == TG_NSS_ENABLE_TLS;
}

TG_EXPORT tg_nss_status SSL_VersionRangeSet(tg_pr_fd *fd, const tg_nss_range *range)
{
    const struct tg_nss *n = tg_nss();
    if (!n || !range)
        return n ? n->SSL_VersionRangeSet(fd, range) : TG_SEC_FAILURE;
    tg_nss_range r = tg_nss_range_clamp(range, tg_nss_hook_floor(fd));
    return n->SSL_VersionRangeSet(fd, &r);
}

TG_EXPORT tg_nss_status SSL_VersionRangeSetDefault(int variant, const tg_nss_range *range)
{
    tg_init();
    const struct tg_nss *n = tg_nss();
    if (!n || !range)
        return n ? n->SSL_VersionRangeSetDefault(variant, range) : TG_SEC_FAILURE;
    tg_nss_range r = tg_nss_range_clamp(range, tg_nss_hook_floor(NULL));
    return n->SSL_VersionRangeSetDefault(variant, &r);
}

TG_EXPORT tg_nss_status SSL_OptionSet(tg_pr_fd *fd, int32_t opt, int val)
{
    const struct tg_nss *n = tg_nss();
    if (!n)
        return TG_SEC_FAILURE;
    if (opt == TG_NSS_NO_CACHE && !val)
        return TG_SEC_SUCCESS;
    tg_nss_status rv = n->SSL_OptionSet(fd, opt, val);
    if (is_version_option(opt) && tg_nss_floor_apply(n, fd, tg_nss_hook_floor(fd)))
        return TG_SEC_FAILURE;
    return rv;
}

TG_EXPORT tg_nss_status SSL_OptionSetDefault(int32_t opt, int val)
{
    tg_init();
    const struct tg_nss *n = tg_nss();
    if (!n)
        return TG_SEC_FAILURE;
    tg_nss_status rv = n->SSL_OptionSetDefault(opt, val);
    if (is_version_option(opt) && tg_nss_floor_apply(n, NULL, tg_nss_hook_floor(NULL)))
        return TG_SEC_FAILURE;
    return rv;
}

TG_EXPORT tg_nss_status SSL_CipherPrefSet(tg_pr_fd *fd, int32_t suite, tg_nss_bool on)
{
    const struct tg_nss *n = tg_nss();
    if (!n)
        return TG_SEC_FAILURE;
    if (on && tg_nss_suite_weak(n, (uint16_t)suite))
        on = 0; /* the program's call succeeds, the suite stays off */
    return n->SSL_CipherPrefSet(fd, suite, on);
}

TG_EXPORT tg_nss_status SSL_CipherPrefSetDefault(int32_t suite, tg_nss_bool on)
{
    tg_init();
    const struct tg_nss *n = tg_nss();
    if (!n)
        return TG_SEC_FAILURE;
    if (on && tg_nss_suite_weak(n, (uint16_t)suite))
        on = 0;
    return n->SSL_CipherPrefSetDefault(suite, on);
}
