/*
 * adv_plugin.c — a plugin that links libssl itself and does its own careless
 * TLS (no verification). adv_deepbind loads it with dlopen (road 8).
 */
#include "adv.h"

#include <stdio.h>
#include <string.h>

int adv_plugin_run(const char *port, const char *sni, const char *marker);

__attribute__((visibility("default"))) int adv_plugin_run(const char *port, const char *sni,
                                                          const char *marker)
{
    SSL_library_init();
    SSL_load_error_strings();
    SSL_CTX *ctx = adv_ctx();
    int fd = ctx ? adv_tcp(port) : -1;
    if (fd < 0)
        return ADV_SETUP;
    SSL *ssl = adv_ssl(ctx, fd, sni);
    int r = SSL_connect(ssl);
    if (r != 1) {
        adv_report("SSL_connect", ssl, r);
        return ADV_TLS;
    }
    int n = (int)strlen(marker);
    r = SSL_write(ssl, marker, n);
    if (r != n) {
        adv_report("SSL_write", ssl, r);
        return ADV_TLS;
    }
    printf("marker written\n");
    return ADV_OK;
}
