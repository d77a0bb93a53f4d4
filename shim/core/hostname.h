/*
 * hostname.h — RFC 6125 host name matching, for a backend whose library
 * has no matcher of its own (OpenSSL 1.0.1). Pure: the caller extracts the
 * names from the certificate.
 */
#ifndef TG_HOSTNAME_H
#define TG_HOSTNAME_H

#include <stddef.h>

/* Does the certificate's DNS-ID `pattern` (a SAN dNSName, or the CN when the
 * certificate has no DNS SAN) match `host`? Case-insensitive; one trailing
 * dot ignored on either side. A wildcard is honoured only as the whole
 * left-most label ("*.example.com"), matches exactly one label, never an IP
 * literal host, and needs at least two labels after it ("*.com" and "*.co"
 * match nothing: the public-suffix rule, approximated). */
int tg_hostname_match(const char *pattern, size_t pattern_len, const char *host);

#endif
