/*
 * curl_nss.c — a libcurl-nss client (curl's NSS backend, CentOS 6/7's
 * curl), linked straight to libcurl-nss.so.4: Debian's /usr/bin/curl
 * needs the symbol version CURL_OPENSSL_4 and will not run on it.
 *
 *   curl_nss URL [insecure] [tls10] [cacert=FILE]
 *
 * insecure: CURLOPT_SSL_VERIFYPEER=0 and VERIFYHOST=0 (curl -k);
 * tls10: TLS 1.0 only (--tlsv1.0 --tls-max 1.0). Prints the body; exit 0
 * on success, else 1 with "curl_nss: error N: TEXT" on stderr.
 * No libcurl headers are installed: the few calls are declared here.
 */
#include "../robust/asan_first.h"

#include <stdio.h>
#include <string.h>

typedef void CURL;
CURL *curl_easy_init(void);
int curl_easy_setopt(CURL *, int, ...);
int curl_easy_perform(CURL *);
void curl_easy_cleanup(CURL *);
int curl_global_init(long);

#define OPT_URL                10002
#define OPT_ERRORBUFFER        10010
#define OPT_SSLVERSION         32
#define OPT_SSL_VERIFYPEER     64
#define OPT_SSL_VERIFYHOST     81
#define OPT_CAINFO             10065
#define OPT_TIMEOUT            13
#define SSLVERSION_TLSv1_0     4L
#define SSLVERSION_MAX_TLSv1_0 (4L << 16)

int main(int argc, char **argv)
{
    char err[256] = "";
    if (argc < 2) {
        fprintf(stderr, "usage: curl_nss URL [insecure] [tls10] [cacert=FILE]\n");
        return 2;
    }
    curl_global_init(3);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, OPT_URL, argv[1]);
    curl_easy_setopt(c, OPT_ERRORBUFFER, err);
    curl_easy_setopt(c, OPT_TIMEOUT, 20L);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "insecure")) {
            curl_easy_setopt(c, OPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(c, OPT_SSL_VERIFYHOST, 0L);
        } else if (!strcmp(argv[i], "tls10")) {
            curl_easy_setopt(c, OPT_SSLVERSION, SSLVERSION_TLSv1_0 | SSLVERSION_MAX_TLSv1_0);
        } else if (!strncmp(argv[i], "cacert=", 7)) {
            curl_easy_setopt(c, OPT_CAINFO, argv[i] + 7);
        }
    }
    int rc = curl_easy_perform(c);
    if (rc)
        fprintf(stderr, "curl_nss: error %d: %s\n", rc, err);
    curl_easy_cleanup(c);
    return rc ? 1 : 0;
}
