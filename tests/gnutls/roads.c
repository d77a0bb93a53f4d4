/*
 * roads.c — a careless GnuTLS client for the roads careless.c does not take:
 *
 *   roads HOST PORT MARKER ROAD [SNI] [SEND]
 *
 * Like careless.c it accepts any certificate, ignores gnutls_handshake's
 * result and writes "GET /MARKER" anyway. ROAD:
 *   init0     gnutls_init(flags 0): a client all the same (GnuTLS makes a
 *             server only when GNUTLS_SERVER is set)
 *   nonblock  gnutls_init(GNUTLS_NONBLOCK), likewise
 *   psk       PSK credentials only (identity "tg", key 0x1a2b3c4d...), no
 *             certificate credentials, priority NORMAL:+PSK:+ECDHE-PSK:+DHE-PSK
 *   anon      anonymous credentials only, priority NORMAL:+ANON-ECDH:+ANON-DH
 *   vcert     trusts CA_FILE (env), gnutls_session_set_verify_cert(NULL name)
 *   vflags    trusts CA_FILE, verify flags that allow everything
 *             (DISABLE_TIME_CHECKS...), gnutls_session_set_verify_cert2
 *             with the same flags and no name, verify_peers3 ignored
 *   noext     priority NORMAL:%NO_EXTENSIONS:%VERIFY_ALLOW_X509_V1_CA_CRT:
 *             %VERIFY_ALLOW_SIGN_WITH_SHA1:+VERS-TLS1.0:+VERS-TLS1.1
 *   hook      a handshake hook that, after the server's certificate, sets an
 *             accept-all session verify function
 *   resume    connects twice, the second time resuming the first session
 *             with SNI `SNI` (default other.example)
 *   early     like resume with the same name, and the second connection
 *             sends MARKER-early as TLS 1.3 early data (0-RTT) first
 *   hosts     connects with SNI h1.example ... hN.example (N: $ROADS_HOSTS,
 *             default 20), then three times more with hN.example
 * SEND picks the call that writes the marker (and reads the reply):
 *   send (default) | send2 | range | file | cork | recvseq | packet
 * It prints "handshake=<code>", "resumed=<0|1>", "send=<code>" and the
 * bytes received. Exit 0 when a reply arrived.
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "../lib/gt_client.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char *road, *send_how;

static int on_message(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
                      const gnutls_datum_t *msg)
{
    (void)when, (void)incoming, (void)msg;
    if (htype == GNUTLS_HANDSHAKE_CERTIFICATE_PKT)
        gnutls_session_set_verify_function(s, tg_gt_accept_all);
    return 0;
}

static const char *priority_of(void)
{
    if (!strcmp(road, "psk"))
        return "NORMAL:+PSK:+ECDHE-PSK:+DHE-PSK";
    if (!strcmp(road, "anon"))
        return "NORMAL:+ANON-ECDH:+ANON-DH";
    if (!strcmp(road, "noext"))
        return "NORMAL:%NO_EXTENSIONS:%VERIFY_ALLOW_X509_V1_CA_CRT:%VERIFY_ALLOW_SIGN_WITH_SHA1"
               ":+VERS-TLS1.0:+VERS-TLS1.1";
    return "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:%COMPAT";
}

/* The session's credentials and verification, as ROAD has them. */
static void configure(gnutls_session_t s, void *cred)
{
    unsigned lax = GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_ALLOW_X509_V1_CA_CRT |
                   GNUTLS_VERIFY_ALLOW_SIGN_RSA_MD5 | GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1 |
                   GNUTLS_VERIFY_DISABLE_CA_SIGN;
    if (!strcmp(road, "psk")) {
        gnutls_credentials_set(s, GNUTLS_CRD_PSK, cred);
        return;
    }
    if (!strcmp(road, "anon")) {
        gnutls_credentials_set(s, GNUTLS_CRD_ANON, cred);
        return;
    }
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    if (!strcmp(road, "vcert"))
        gnutls_session_set_verify_cert(s, NULL, 0);
    if (!strcmp(road, "vflags"))
        gnutls_session_set_verify_cert2(s, NULL, 0, lax);
    if (!strcmp(road, "hook"))
        gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_POST, on_message);
}

static long send_marker(gnutls_session_t s, const char *req)
{
    size_t n = strlen(req);
    if (!strcmp(send_how, "send2"))
        return gnutls_record_send2(s, req, n, 0, 0);
    if (!strcmp(send_how, "range")) {
        gnutls_range_st range = { 0, 0 };
        return gnutls_record_send_range(s, req, n, &range);
    }
    if (!strcmp(send_how, "file")) {
        FILE *f = tmpfile();
        if (!f || fputs(req, f) < 0 || fflush(f) || fseek(f, 0, SEEK_SET))
            return -1;
        long rc = gnutls_record_send_file(s, fileno(f), NULL, n); /* from where it stands */
        fclose(f);
        return rc;
    }
    if (!strcmp(send_how, "cork")) {
        gnutls_record_cork(s);
        gnutls_record_send(s, req, n);
        return gnutls_record_uncork(s, GNUTLS_RECORD_WAIT);
    }
    return gnutls_record_send(s, req, n);
}

static long recv_reply(gnutls_session_t s, char *buf, size_t n)
{
    unsigned char seq[8];
    if (!strcmp(send_how, "recvseq"))
        return gnutls_record_recv_seq(s, buf, n, seq);
    if (!strcmp(send_how, "packet")) {
        gnutls_packet_t p = NULL;
        gnutls_datum_t d = { NULL, 0 };
        long rc = gnutls_record_recv_packet(s, &p);
        if (rc > 0 && p) {
            gnutls_packet_get(p, &d, NULL);
            rc = d.size < n ? (long)d.size : (long)n;
            memcpy(buf, d.data, (size_t)rc);
        }
        if (p)
            gnutls_packet_deinit(p);
        return rc;
    }
    return gnutls_record_recv(s, buf, n);
}

/* One connection; `data` in: session data to resume (size 0: none), out:
 * this session's data. 0 when a reply came back. */
static int one(const char *host, const char *port, const char *marker, const char *sni, void *cred,
               gnutls_datum_t *data)
{
    gnutls_session_t s;
    char req[512], buf[4096];
    int fd = tg_gt_dial(host, port, 4), got = 0, rc;
    unsigned flags = !strcmp(road, "init0")      ? 0
                     : !strcmp(road, "nonblock") ? GNUTLS_NONBLOCK
                     : !strcmp(road, "early")    ? GNUTLS_CLIENT | GNUTLS_ENABLE_EARLY_DATA
                                                 : GNUTLS_CLIENT;
    if (fd < 0) {
        printf("connect failed\n");
        return 2;
    }
    gnutls_init(&s, flags);
    if ((rc = gnutls_priority_set_direct(s, priority_of(), NULL)) != 0)
        printf("priority=%d (%s)\n", rc, gnutls_strerror(rc));
    configure(s, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, sni, strlen(sni));
    if (data->size)
        gnutls_session_set_data(s, data->data, data->size);
    gnutls_transport_set_int(s, fd);
    if (data->size && !strcmp(road, "early")) {
        snprintf(req, sizeof req, "GET /%s-early HTTP/1.0\r\n\r\n", marker);
        printf("early=%ld\n", (long)gnutls_record_send_early_data(s, req, strlen(req)));
    }
    rc = tg_gt_handshake(s);
    if (!strcmp(road, "vflags")) {
        unsigned status = 0;
        gnutls_certificate_verify_peers3(s, NULL, &status); /* and ignored */
    }
    snprintf(req, sizeof req, "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n", marker, sni);
    long n = send_marker(s, req); /* whatever the handshake said */
    printf("send=%ld\n", n);
    /* GNUTLS_E_AGAIN: the socket's receive timeout, a peer that never answers. */
    while ((n = recv_reply(s, buf, sizeof buf - 1)) > 0 || n == GNUTLS_E_INTERRUPTED) {
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

static int many_hosts(const char *host, const char *port, const char *marker, void *cred)
{
    const char *env = getenv("ROADS_HOSTS");
    int n = env ? atoi(env) : 20, rc = 0;
    for (int i = 1; i <= n + 3; i++) {
        char sni[64];
        gnutls_datum_t none = { NULL, 0 };
        snprintf(sni, sizeof sni, "h%d.example", i < n ? i : n);
        rc |= one(host, port, marker, sni, cred, &none);
        gnutls_free(none.data);
    }
    return rc;
}

static void *credentials(void)
{
    gnutls_certificate_credentials_t cert;
    const char *ca = getenv("CA_FILE");
    if (!strcmp(road, "psk")) {
        gnutls_psk_client_credentials_t psk;
        gnutls_datum_t key = { (unsigned char *)"1a2b3c4d5e6f7a8b", 16 };
        gnutls_psk_allocate_client_credentials(&psk);
        gnutls_psk_set_client_credentials(psk, "tg", &key, GNUTLS_PSK_KEY_HEX);
        return psk;
    }
    if (!strcmp(road, "anon")) {
        gnutls_anon_client_credentials_t anon;
        gnutls_anon_allocate_client_credentials(&anon);
        return anon;
    }
    gnutls_certificate_allocate_credentials(&cert);
    if (ca && (!strcmp(road, "vcert") || !strcmp(road, "vflags"))) {
        gnutls_certificate_set_x509_trust_file(cert, ca, GNUTLS_X509_FMT_PEM);
        gnutls_certificate_set_verify_flags(cert, GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                                                      GNUTLS_VERIFY_ALLOW_X509_V1_CA_CRT);
        gnutls_certificate_set_verify_limits(cert, 16384, 64);
    } else {
        gnutls_certificate_set_verify_function(cert, tg_gt_accept_all);
    }
    return cert;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: roads HOST PORT MARKER ROAD [SNI] [SEND]\n");
        return 2;
    }
    gnutls_datum_t data = { NULL, 0 };
    road = argv[4];
    send_how = argc > 6 ? argv[6] : "send";
    gnutls_global_init();
    setvbuf(stdout, NULL, _IONBF, 0);
    void *cred = credentials();
    if (!strcmp(road, "hosts"))
        return many_hosts(argv[1], argv[2], argv[3], cred);
    int resume = !strcmp(road, "resume") || !strcmp(road, "early");
    int rc = one(argv[1], argv[2], argv[3], resume || argc <= 5 ? argv[1] : argv[5], cred, &data);
    if (resume) {
        char second[300];
        snprintf(second, sizeof second, "%s-again", argv[3]);
        const char *sni = !strcmp(road, "early") ? argv[1] : argc > 5 ? argv[5] : "other.example";
        rc = one(argv[1], argv[2], second, sni, cred, &data);
    }
    gnutls_free(data.data);
    return rc; /* the credentials live as long as the process */
}
