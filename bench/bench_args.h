/*
 * bench_args.h — the command line the whole-process bench clients share
 * (bench_client.c, bench_gnutls.c, bench_nss.c; bench/process.py and
 * bench/backends.py run them): "--name value" pairs, an unknown name passed
 * over. Each client checks the ones it needs. Header-only: the clients are
 * built one file each.
 */
#ifndef TG_BENCH_ARGS_H
#define TG_BENCH_ARGS_H

#include <stdlib.h>
#include <string.h>

struct bench_args {
    int port;         /* --port: the server's, on 127.0.0.1 */
    long n;           /* --n: connections (bulk: MiB each way); 1 by default */
    const char *ca;   /* --ca: a CA file (OpenSSL, GnuTLS) */
    const char *db;   /* --db: a certificate database directory (NSS) */
    const char *mode; /* --mode: handshakes | bulk (OpenSSL) */
};

static inline struct bench_args bench_args_parse(int argc, char **argv)
{
    struct bench_args a = { .port = 0, .n = 1, .ca = NULL, .db = NULL, .mode = "handshakes" };
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *name = argv[i], *value = argv[i + 1];
        if (!strcmp(name, "--port"))
            a.port = atoi(value);
        else if (!strcmp(name, "--n"))
            a.n = atol(value);
        else if (!strcmp(name, "--ca"))
            a.ca = value;
        else if (!strcmp(name, "--db"))
            a.db = value;
        else if (!strcmp(name, "--mode"))
            a.mode = value;
    }
    return a;
}

#endif
