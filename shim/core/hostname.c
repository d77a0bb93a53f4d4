/*
 * hostname.c — RFC 6125 section 6.4 matching, strict where it may choose.
 */
#include "hostname.h"
#include "ip_literal.h"

#include <string.h>
#include <strings.h>

/* Length without one trailing dot. */
static size_t trim_dot(const char *s, size_t len)
{
    return len > 1 && s[len - 1] == '.' ? len - 1 : len;
}

static int labels_after_first(const char *s, size_t len)
{
    int dots = 0;
    for (size_t i = 0; i < len; i++)
        dots += s[i] == '.';
    return dots;
}

int tg_hostname_match(const char *pattern, size_t plen, const char *host)
{
    if (!pattern || !host || !*host || memchr(pattern, '\0', plen))
        return 0; /* an embedded NUL is an attack, not a name */
    size_t hlen = trim_dot(host, strlen(host));
    plen = trim_dot(pattern, plen);
    if (plen == 0 || hlen == 0)
        return 0;
    if (plen >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *suffix = pattern + 1; /* ".example.com" */
        size_t slen = plen - 1;
        if (tg_is_ip_literal(host) || labels_after_first(pattern, plen) < 2)
            return 0;
        if (memchr(suffix, '*', slen))
            return 0;
        const char *dot = memchr(host, '.', hlen);
        if (!dot || dot == host) /* the wildcard stands for one non-empty label */
            return 0;
        size_t rest = hlen - (size_t)(dot - host);
        return rest == slen && !strncasecmp(dot, suffix, slen);
    }
    if (memchr(pattern, '*', plen))
        return 0; /* partial-label and inner wildcards: not honoured */
    return plen == hlen && !strncasecmp(pattern, host, hlen);
}
