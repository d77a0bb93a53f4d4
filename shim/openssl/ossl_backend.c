/*
 * backend.c — the facts OpenSSL holds about whom a connection is for: the
 * host name the program set, its SNI, its socket; and what it negotiated.
 */
#include "ossl_backend.h"
#include "conn.h"
#include "libs.h"

#include <string.h>

#define TLSEXT_NAMETYPE_host_name 0

static int usable(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    return len && len < TG_NAME_MAX;
}

/* The host name the program set: what OpenSSL matched already, else read
 * from the SSL's parameters from 3.0 on (X509_VERIFY_PARAM_get0_host),
 * else what the SSL_set1_host hook saw (1.1.x). A name set straight on the
 * parameters before 3.0 is known only once OpenSSL matched it. */
static const char *set_host(const struct tg_ossl *o, const SSL *ssl, const char *matched)
{
    X509_VERIFY_PARAM *vp;
    const struct tg_conn *c;
    const char *h;
    if (usable(matched))
        return matched;
    if (o->X509_VERIFY_PARAM_get0_host && o->SSL_get0_param &&
        (vp = o->SSL_get0_param((SSL *)ssl)) != NULL &&
        usable(h = o->X509_VERIFY_PARAM_get0_host(vp, 0)))
        return h;
    c = tg_conn_get(o, (SSL *)ssl, 0);
    return c && usable(c->prog_host) ? c->prog_host : NULL;
}

static void names(struct tg_backend_conn *bc, const char *matched, struct tg_name_facts *f)
{
    f->set_host = set_host(bc->o, bc->ssl, matched);
    f->sni = bc->o->SSL_get_servername(bc->ssl, TLSEXT_NAMETYPE_host_name);
}

static int socket_of(struct tg_backend_conn *bc)
{
    return bc->o->SSL_get_fd(bc->ssl);
}

static void negotiated(struct tg_backend_conn *bc, struct tg_negotiated *n)
{
    const struct tg_ossl *o = bc->o;
    int done = tg_ossl_handshake_done(o, bc->ssl);
    const SSL_CIPHER *ciph = done ? o->SSL_get_current_cipher(bc->ssl) : NULL;
    n->protocol = done ? o->SSL_get_version(bc->ssl) : NULL;
    n->suite = ciph ? o->SSL_CIPHER_get_name(ciph) : NULL;
}

const struct tg_backend tg_openssl_backend = {
    .name = "openssl",
    .names = names,
    .socket = socket_of,
    .negotiated = negotiated,
    .hands_out = tg_libs_hands_out,
};
