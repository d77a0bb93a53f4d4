/*
 * libssl_sonames.c — Debian/Ubuntu, RHEL/CentOS 7 (.so.10), CentOS 6
 * (.so.1.0.1e), upstream; 0.9.8 ones only for doctor to name.
 */
#include "libssl_sonames.h"

#include <string.h>

const struct tg_libssl_soname tg_libssl_sonames[] = {
    { "libssl.so.3", "OpenSSL 3.x", 1 },
    { "libssl.so.1.1", "OpenSSL 1.1.x", 1 },
    { "libssl.so.10", "RHEL/CentOS 7 OpenSSL 1.0.2", 1 },
    { "libssl.so.1.0.2", "OpenSSL 1.0.2", 1 },
    { "libssl.so.1.0.1e", "CentOS 6 OpenSSL 1.0.1e", 1 },
    { "libssl.so.1.0.0", "OpenSSL 1.0.x", 1 },
    { "libssl.so", NULL, 1 }, /* the development link: any release */
    { "libssl.so.0.9.8", "OpenSSL 0.9.8", 0 },
    { "libssl.so.6", "RHEL/CentOS 5 OpenSSL 0.9.8", 0 },
    { NULL, NULL, 0 },
};

const char *tg_libssl_release(const char *soname)
{
    for (const struct tg_libssl_soname *s = tg_libssl_sonames; soname && s->soname; s++)
        if (!strcmp(soname, s->soname))
            return s->release;
    return NULL;
}
