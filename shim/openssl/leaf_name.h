/*
 * leaf_name.h — is the leaf certificate valid for the connection's name?
 */
#ifndef TG_LEAF_NAME_H
#define TG_LEAF_NAME_H

#include "name.h"
#include "ossl.h"

/* The leaf against a name (SAN dNSName, or the CN when it has no DNS SAN;
 * no partial wildcards) or, for TG_NAME_IP, an address (SAN iPAddress,
 * never the CN): 1, 0, or -1 when this OpenSSL cannot read certificate
 * names at all. */
int tg_leaf_name_matches(const struct tg_ossl *o, X509 *leaf, const struct tg_name *n);

#endif
