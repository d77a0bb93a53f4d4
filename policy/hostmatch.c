/*
 * Host patterns: validation and single-pattern matching (the reference the
 * index in host_index.c is tested against).
 *
 * Semantics (OkHttp's CertificatePinner rules), case-insensitive, one
 * trailing dot of the host ignored:
 *   example.com     exactly that name (or an IP address literal)
 *   *.example.com   one more label: a.example.com, not example.com, not a.b.example.com
 *   **.example.com  any number of labels, even none: example.com, a.b.example.com
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

static int is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * s (len bytes, optionally in brackets) as a canonical IPv6 address in buf
 * (INET6_ADDRSTRLEN bytes).  Returns 0, or -1 if it is not an IPv6 address.
 */
static int canonical_ipv6(const char *s, size_t len, char *buf)
{
    char tmp[INET6_ADDRSTRLEN + 2];
    struct in6_addr a;

    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (inet_pton(AF_INET6, tmp, &a) != 1)
        return -1;
    if (inet_ntop(AF_INET6, &a, buf, INET6_ADDRSTRLEN) == NULL)
        return -1;
    return 0;
}

/*
 * Validate pattern pat (len bytes) and split it into its kind and its key,
 * normalised (lower case, canonical IPv6) into key, which has room for
 * TG_HOST_MAX + 1 bytes.  Returns 0, or -1 with *why saying what is wrong.
 */
int tg_host_pattern_parse(const char *pat, size_t len, enum tg_pat_kind *kind, char *key,
                          size_t *keylen, const char **why)
{
    size_t i, label = 0;
    int numeric = 1;

    *kind = TG_PAT_EXACT;
    *keylen = 0;
    if (len == 0) {
        *why = "empty pattern";
        return -1;
    }
    if (memchr(pat, ':', len) != NULL || pat[0] == '[') {
        if (canonical_ipv6(pat, len, key) != 0) {
            *why = "not a valid IPv6 address";
            return -1;
        }
        *keylen = strlen(key);
        return 0;
    }
    if (len >= 3 && memcmp(pat, "**.", 3) == 0) {
        *kind = TG_PAT_ANY;
        pat += 3;
        len -= 3;
    } else if (len >= 2 && memcmp(pat, "*.", 2) == 0) {
        *kind = TG_PAT_ONE;
        pat += 2;
        len -= 2;
    } else if (pat[0] == '*') {
        *why = "a wildcard must be a leading '*.' or '**.' followed by a name";
        return -1;
    }
    if (len == 0) {
        *why = "no name after the wildcard";
        return -1;
    }
    if (len > TG_HOST_MAX) {
        *why = "longer than 253 characters";
        return -1;
    }
    for (i = 0; i <= len; i++) {
        unsigned char c = i < len ? tg_host_lower((unsigned char)pat[i]) : '.';

        if (c == '.') {
            if (label == 0) {
                *why = "empty label";
                return -1;
            }
            if (label > 63) {
                *why = "label longer than 63 characters";
                return -1;
            }
            if (i < len) {
                key[i] = '.';
                label = 0;
                numeric = 1;
            }
            continue;
        }
        if (c == '*') {
            *why = "'*' is only allowed at the start, as '*.' or '**.'";
            return -1;
        }
        if (!is_ldh(c)) {
            *why = "invalid character (allowed: letters, digits, '-', '.')";
            return -1;
        }
        if (c < '0' || c > '9')
            numeric = 0;
        label++;
        key[i] = (char)c;
    }
    if (*kind != TG_PAT_EXACT && numeric) {
        *why = "a wildcard cannot match an IP address (the last label is numeric)";
        return -1;
    }
    key[len] = '\0';
    *keylen = len;
    return 0;
}

const char *tg_host_pattern_check(const char *pattern, size_t len)
{
    char key[TG_HOST_MAX + 1];
    enum tg_pat_kind kind;
    const char *why = NULL;
    size_t keylen;

    if (tg_host_pattern_parse(pattern, len, &kind, key, &keylen, &why) != 0)
        return why;
    return NULL;
}

/*
 * The name to match for host: NULL is "", one trailing dot dropped, an IPv6
 * address canonical (in v6buf).  Sets *is_ip6.
 */
const char *tg_host_normalize(const char *host, size_t *len, char *v6buf, int *is_ip6)
{
    size_t n;

    *is_ip6 = 0;
    if (host == NULL) {
        *len = 0;
        return "";
    }
    n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (memchr(host, ':', n) != NULL && canonical_ipv6(host, n, v6buf) == 0) {
        *is_ip6 = 1;
        *len = strlen(v6buf);
        return v6buf;
    }
    *len = n;
    return host;
}

/* The matching rule itself, on a normalised host and a parsed pattern. */
int tg_host_match_parsed(enum tg_pat_kind kind, const char *key, size_t klen, const char *h,
                         size_t hlen, int is_ip6)
{
    size_t cut;

    if (kind == TG_PAT_EXACT)
        return tg_host_ieq(h, hlen, key, klen);
    if (is_ip6)
        return 0;
    if (kind == TG_PAT_ANY && tg_host_ieq(h, hlen, key, klen))
        return 1;
    /* Now h must be PREFIX "." key: for "*." PREFIX is one non-empty label;
	 * for "**." anything (even empty: ".a.b" has an empty label, and the
	 * index, which probes every suffix after a dot, agrees). */
    if (hlen <= klen)
        return 0;
    cut = hlen - klen; /* h[cut - 1] must be the dot */
    if (h[cut - 1] != '.' || !tg_host_ieq(h + cut, klen, key, klen))
        return 0;
    if (kind == TG_PAT_ONE)
        return cut >= 2 && memchr(h, '.', cut - 1) == NULL;
    return 1;
}

int tg_host_pattern_match(const char *pattern, const char *host)
{
    char key[TG_HOST_MAX + 1], v6buf[INET6_ADDRSTRLEN];
    enum tg_pat_kind kind;
    const char *why, *h;
    size_t klen, hlen;
    int is_ip6;

    if (pattern == NULL ||
        tg_host_pattern_parse(pattern, strlen(pattern), &kind, key, &klen, &why) != 0)
        return -1;
    h = tg_host_normalize(host, &hlen, v6buf, &is_ip6);
    return tg_host_match_parsed(kind, key, klen, h, hlen, is_ip6);
}
