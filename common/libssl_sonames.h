/*
 * libssl_sonames.h — the sonames OpenSSL's libssl goes by, and the release
 * each belongs to: the shim tries them (in this order) when nothing better
 * leads to the program's libssl (shim/openssl/libs.c), and `tlsguard doctor`
 * names the release it found.
 */
#ifndef TG_LIBSSL_SONAMES_H
#define TG_LIBSSL_SONAMES_H

struct tg_libssl_soname {
    const char *soname;  /* "libssl.so.3" */
    const char *release; /* "OpenSSL 3.x"; NULL: the soname does not tell */
    int shim_serves;     /* a release the shim works with (1.0.1 and later) */
};

/* The table, most likely first; ends with { NULL }. */
extern const struct tg_libssl_soname tg_libssl_sonames[];

/* The release a libssl soname belongs to, or NULL when it does not say. */
const char *tg_libssl_release(const char *soname);

#endif
