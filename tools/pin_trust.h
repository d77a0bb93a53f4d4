/*
 * pin_trust.h — the trust anchors of `tlsguard pin HOST[:PORT]`.
 */
#ifndef TG_PIN_TRUST_H
#define TG_PIN_TRUST_H

#include <stddef.h>

#include <openssl/ssl.h>

struct tg_pin_trust {
    const char *policy;  /* --policy FILE, or NULL */
    int no_policy;       /* --no-policy */
    const char *ca_file; /* --ca-file FILE, or NULL */
};

/* Give ctx the anchors the shim would use for a connection to name, plus
 * --ca-file; desc says which ("the default paths, /x.pem (policy:4, host
 * block)"). 0, or -1 with the reason printed (a policy that does not load,
 * anchors that cannot be loaded). */
int tg_pin_trust_apply(const struct tg_pin_trust *t, SSL_CTX *ctx, const char *name, char *desc,
                       size_t n);

#endif
