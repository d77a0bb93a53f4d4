/*
 * adv_anchors.c — road 4: a program that names its own anchors (its private
 * CA, --ca FILE or --dir DIR, a c_rehash'ed directory) and forgets to verify
 * (SSL_VERIFY_NONE). Its private CA must keep working under the shim, and the
 * public CAs (SSL_CERT_FILE) must never be added to it.
 *   set1_store   SSL_CTX_set1_verify_cert_store() with a store holding --ca
 *   set0_store   SSL_CTX_set0_verify_cert_store() (the context owns the store)
 *   hash_dir     X509_LOOKUP_hash_dir on the context's own store, --dir
 *   load_dir     SSL_CTX_load_verify_locations(ctx, NULL, --dir)
 *   set_cert_store  SSL_CTX_set_cert_store() replaces the context's store with one of its own
 *   store_add_cert  X509_STORE_add_cert() of --ca into the context's own store
 *   load_verify_file SSL_CTX_load_verify_file(--ca) (new in 3.0)
 */
#include "adv.h"

#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>

static X509_STORE *store_from_file(const char *file)
{
    X509_STORE *st = X509_STORE_new();
    if (!st || X509_STORE_load_locations(st, file, NULL) != 1)
        return NULL;
    return st;
}

static int add_cert_from_file(X509_STORE *st, const char *file)
{
    FILE *f = fopen(file, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    int ok = x && X509_STORE_add_cert(st, x) == 1;
    X509_free(x);
    return ok;
}

static int set_anchors(SSL_CTX *ctx, const struct adv *a)
{
    const char *road = a->road;
    if (!strcmp(road, "set1_store") || !strcmp(road, "set0_store")) {
#ifdef SSL_CTX_set1_verify_cert_store
        X509_STORE *st = store_from_file(a->ca);
        if (!st)
            return 0;
        if (!strcmp(road, "set0_store"))
            return SSL_CTX_set0_verify_cert_store(ctx, st) == 1;
        int ok = SSL_CTX_set1_verify_cert_store(ctx, st) == 1;
        X509_STORE_free(st);
        return ok;
#else
        adv_skip("SSL_CTX_set1_verify_cert_store is new in OpenSSL 1.0.2");
#endif
    }
    if (!strcmp(road, "hash_dir")) {
        X509_LOOKUP *lu =
            X509_STORE_add_lookup(SSL_CTX_get_cert_store(ctx), X509_LOOKUP_hash_dir());
        return lu && X509_LOOKUP_add_dir(lu, a->dir, X509_FILETYPE_PEM) == 1;
    }
    if (!strcmp(road, "load_dir"))
        return SSL_CTX_load_verify_locations(ctx, NULL, a->dir) == 1;
    if (!strcmp(road, "set_cert_store")) {
        X509_STORE *st = store_from_file(a->ca);
        if (!st)
            return 0;
        SSL_CTX_set_cert_store(ctx, st); /* the context owns it now */
        return 1;
    }
    if (!strcmp(road, "store_add_cert"))
        return add_cert_from_file(SSL_CTX_get_cert_store(ctx), a->ca);
    if (!strcmp(road, "load_verify_file")) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        return SSL_CTX_load_verify_file(ctx, a->ca) == 1;
#else
        adv_skip("SSL_CTX_load_verify_file is new in OpenSSL 3.0");
#endif
    }
    fprintf(stderr, "unknown road %s\n", road);
    return 0;
}

int main(int argc, char **argv)
{
    struct adv a;
    adv_init(&a, argc, argv, "adv_anchors");
    SSL_CTX *ctx = adv_ctx();
    if (!ctx || !set_anchors(ctx, &a))
        return ADV_SETUP;
    int fd = adv_tcp(a.port);
    if (fd < 0)
        return ADV_SETUP;
    SSL *ssl = adv_ssl(ctx, fd, a.sni);
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    return adv_write_marker(ssl, &a);
}
