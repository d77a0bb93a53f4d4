/*
 * careless.c — a GnuTLS client that ignores every verification result:
 *
 *   careless HOST PORT MARKER [ROAD] [SNI]
 *
 * It loads no trust anchors, accepts anything in a credentials verify
 * function (as gnutls-cli --insecure does), allows TLS 1.0 and weak
 * suites, ignores gnutls_handshake's result and sends "GET /MARKER" anyway,
 * then prints what came back. ROAD picks how the priority is set:
 *   direct    gnutls_priority_set_direct("NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+3DES-CBC:%COMPAT")
 *   cache     gnutls_priority_init + gnutls_priority_set, same string
 *   init2     gnutls_priority_init2(DEF_APPEND, "+VERS-TLS1.0:+VERS-TLS1.1:+3DES-CBC")
 *   default   gnutls_set_default_priority
 *   append    gnutls_set_default_priority_append("+VERS-TLS1.0:+VERS-TLS1.1")
 *   weak      gnutls_priority_set_direct(WEAK): the NULL cipher only
 *   peers     direct, and gnutls_certificate_verify_peers2 after the handshake, result ignored
 *   refuse    direct, with a verify function that refuses every certificate
 *   resume    direct; connects twice, the second time with the first session's
 *             data and SNI (6th argument, default "other.example")
 * It prints "handshake=<code>", "resumed=<0|1>", "send=<code>" and the bytes received.
 * Exit 0 when the server's reply arrived.
 */
#include "../robust/asan_first.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "../lib/gt_client.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LEGACY     "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+3DES-CBC:%COMPAT"
#define LEGACY_ADD "+VERS-TLS1.0:+VERS-TLS1.1:+3DES-CBC"
#define WEAK                                                                                       \
    "NONE:+VERS-TLS1.2:+NULL:+SHA1:+ECDHE-ECDSA:+COMP-NULL:+SIGN-ALL:+CTYPE-X509:+GROUP-ALL"

static int refuse_all(gnutls_session_t s)
{
    (void)s;
    return -1;
}

static void set_priority(gnutls_session_t s, const char *road)
{
    gnutls_priority_t p;
    const char *err = NULL;
    int rc = 0;
    if (!strcmp(road, "cache")) {
        rc = gnutls_priority_init(&p, LEGACY, &err);
        if (rc == 0) {
            rc = gnutls_priority_set(s, p);
            gnutls_priority_deinit(p);
        }
    } else if (!strcmp(road, "init2")) {
        rc = gnutls_priority_init2(&p, LEGACY_ADD, &err, GNUTLS_PRIORITY_INIT_DEF_APPEND);
        if (rc == 0) {
            rc = gnutls_priority_set(s, p);
            gnutls_priority_deinit(p);
        }
    } else if (!strcmp(road, "default")) {
        rc = gnutls_set_default_priority(s);
    } else if (!strcmp(road, "append")) {
        rc = gnutls_set_default_priority_append(s, "+VERS-TLS1.0:+VERS-TLS1.1", &err, 0);
    } else if (!strcmp(road, "weak")) {
        rc = gnutls_priority_set_direct(s, WEAK, &err);
    } else {
        rc = gnutls_priority_set_direct(s, LEGACY, &err);
    }
    if (rc != 0)
        printf("priority=%d (%s) at %s\n", rc, gnutls_strerror(rc), err ? err : "-");
}

/* One connection; `data` in: session data to resume (size 0: none), out:
 * this session's data. 0 when a reply came back. */
static int one(const char *host, const char *port, const char *marker, const char *road,
               const char *sni, gnutls_certificate_credentials_t cred, gnutls_datum_t *data)
{
    gnutls_session_t s;
    char req[512], buf[4096];
    int fd = tg_gt_dial(host, port, 0), got = 0;
    if (fd < 0) {
        printf("connect failed\n");
        return 2;
    }
    gnutls_init(&s, GNUTLS_CLIENT);
    set_priority(s, road);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, sni, strlen(sni));
    if (data->size)
        gnutls_session_set_data(s, data->data, data->size);
    gnutls_transport_set_int(s, fd);
    tg_gt_handshake(s);
    if (!strcmp(road, "peers")) {
        unsigned status = 0;
        gnutls_certificate_verify_peers2(s, &status); /* and ignored */
    }
    snprintf(req, sizeof req, "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n", marker, sni);
    long n = gnutls_record_send(s, req, strlen(req)); /* whatever the handshake said */
    printf("send=%ld\n", n);
    while ((n = gnutls_record_recv(s, buf, sizeof buf - 1)) > 0 || n == GNUTLS_E_AGAIN ||
           n == GNUTLS_E_INTERRUPTED) {
        if (n > 0) {
            fwrite(buf, 1, (size_t)n, stdout);
            got = 1;
        }
    }
    printf("\n");
    tg_gt_keep_session(s, data);
    gnutls_deinit(s);
    close(fd);
    return got ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: careless HOST PORT MARKER [ROAD] [SNI]\n");
        return 2;
    }
    const char *road = argc > 4 ? argv[4] : "direct";
    gnutls_certificate_credentials_t cred;
    gnutls_datum_t data = { NULL, 0 };
    gnutls_global_init();
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_verify_function(cred,
                                           strcmp(road, "refuse") ? tg_gt_accept_all : refuse_all);
    setvbuf(stdout, NULL, _IONBF, 0);
    int rc = one(argv[1], argv[2], argv[3], road, argv[1], cred, &data);
    if (!strcmp(road, "resume")) {
        char second[300];
        snprintf(second, sizeof second, "%s-again", argv[3]);
        rc = one(argv[1], argv[2], second, road, argc > 5 ? argv[5] : "other.example", cred, &data);
    }
    gnutls_free(data.data);
    gnutls_certificate_free_credentials(cred);
    return rc;
}
