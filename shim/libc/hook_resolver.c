/*
 * hook_resolver.c — interposed name lookups: call libc, then remember which
 * name the program resolved to which address (see resolver.h).
 */
#include "init.h"
#include "resolver.h"
#include "once.h"

#include <dlfcn.h>
#include <netdb.h>
#include <errno.h>
#include <string.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);
typedef struct hostent *(*gethostbyname_fn)(const char *);
typedef struct hostent *(*gethostbyname2_fn)(const char *, int);
typedef int (*gethostbyname_r_fn)(const char *, struct hostent *, char *, size_t, struct hostent **,
                                  int *);

static connect_fn real_connect;
static getaddrinfo_fn real_getaddrinfo;
static gethostbyname_fn real_gethostbyname;
static gethostbyname2_fn real_gethostbyname2;
static gethostbyname_r_fn real_gethostbyname_r;
static tg_once_t once = TG_ONCE_INIT;

static void resolve_libc(void)
{
    *(void **)&real_connect = dlsym(RTLD_NEXT, "connect");
    *(void **)&real_getaddrinfo = dlsym(RTLD_NEXT, "getaddrinfo");
    *(void **)&real_gethostbyname = dlsym(RTLD_NEXT, "gethostbyname");
    *(void **)&real_gethostbyname2 = dlsym(RTLD_NEXT, "gethostbyname2");
    *(void **)&real_gethostbyname_r = dlsym(RTLD_NEXT, "gethostbyname_r");
}

static void remember_hostent(const char *name, const struct hostent *h)
{
    if (!h || !h->h_addr_list)
        return;
    for (char **a = h->h_addr_list; *a; a++) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        if (h->h_addrtype == AF_INET && h->h_length == 4) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            in->sin_family = AF_INET;
            memcpy(&in->sin_addr, *a, 4);
        } else if (h->h_addrtype == AF_INET6 && h->h_length == 16) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            in6->sin6_family = AF_INET6;
            memcpy(&in6->sin6_addr, *a, 16);
        } else {
            continue;
        }
        tg_resolver_remember(name, (struct sockaddr *)&ss);
    }
}

TG_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                          struct addrinfo **res)
{
    tg_once(&once, resolve_libc);
    if (!real_getaddrinfo)
        return EAI_SYSTEM;
    int rc = real_getaddrinfo(node, service, hints, res);
    if (rc == 0 && node && res)
        for (const struct addrinfo *ai = *res; ai; ai = ai->ai_next)
            tg_resolver_remember_result(node, ai->ai_addr);
    return rc;
}

TG_EXPORT struct hostent *gethostbyname(const char *name)
{
    tg_once(&once, resolve_libc);
    if (!real_gethostbyname)
        return NULL;
    struct hostent *h = real_gethostbyname(name);
    remember_hostent(name, h);
    return h;
}

TG_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
    tg_once(&once, resolve_libc);
    if (!real_gethostbyname2)
        return NULL;
    struct hostent *h = real_gethostbyname2(name, af);
    remember_hostent(name, h);
    return h;
}

TG_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                              struct hostent **result, int *h_errnop)
{
    tg_once(&once, resolve_libc);
    if (!real_gethostbyname_r)
        return ENOSYS;
    int rc = real_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
    if (rc == 0 && result)
        remember_hostent(name, *result);
    return rc;
}

TG_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    tg_once(&once, resolve_libc);
    if (!real_connect) {
        errno = ENOSYS;
        return -1;
    }
    int saved = errno;
    tg_resolver_note_connect(sa, len);
    tg_resolver_tie(fd, sa);
    errno = saved;
    return real_connect(fd, sa, len);
}
