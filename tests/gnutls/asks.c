/*
 * asks.c — a careful GnuTLS client that verifies the peer itself after the
 * handshake, as wget does, and then asks GnuTLS other questions about the
 * same chain: under tlsguard each answer must be GnuTLS's own, never the
 * shim's memo of its verdict (shim/gnutls/gt_memo.c) for a question the
 * shim did not answer.
 *
 *   asks HOST PORT NAME MODE        (CA_FILE, and for MODE crl CRL_FILE, in the environment)
 *
 * Trusts CA_FILE only, SNI NAME, the default priority; MODE auto also sets
 * gnutls_session_set_verify_cert(NAME). After the handshake it prints
 * "same=<status>" (verify_peers3 for NAME), then one line for MODE:
 *   auto, same  "peers2=<status>" (verify_peers2: no name)
 *   other       "asked=<status>"  verify_peers3 for other.example
 *   flags       "asked=<status>"  after gnutls_certificate_set_verify_flags
 *               (the ULTRA profile: a P-256 key is not enough)
 *   crl         "asked=<status>"  after gnutls_certificate_set_x509_crl_file
 *   remove      "asked=<status>"  after gnutls_x509_trust_list_remove_cas of
 *               the CA on the credentials' own trust list
 *   output      "asked=<status>"  with a verify output function that counts
 *               its calls, then "outputs=<n>"
 *   output-thread  the same, the function set by another thread (joined)
 *   later       "asked=<status>"  verify_peers3 for NAME again after
 *               sleeping ASK_SLEEP seconds (the environment; default 2)
 *   issuer      "issuer_calls=<n>": how often the issuer function (set on the
 *               credentials' list before the handshake; it gives ISSUER_FILE,
 *               the intermediate the peer leaves out) ran in "same"'s call
 * With PORT2 in the environment, it then dials HOST PORT2 with the same
 * credentials, sets gnutls_session_set_verify_cert(NAME) and prints
 * "second=<handshake's result>": the shim's parsed certificates of the
 * first peer (shim/gnutls/gt_certs.c) must not stand for the second's.
 * With IN_CALLBACK=1 in the environment the questions are asked inside the
 * handshake instead, from the credentials' verify function (as gnutls-cli
 * does), each as gnutls_certificate_verify_peers for NAME and the TLS WWW
 * server purpose (gnutls-cli's form, the one the shim asks first: gt_ask.c),
 * and the function accepts; modes other, flags, crl, remove, output, later;
 * and jump: the function leaves by longjmp after "same", and the program
 * asks the same of a new session (never handshaken; malloc may give it the
 * first's address), printing "fresh=<status>" (GnuTLS: no certificate).
 * <status> is the status in hex, or "E<code>" when the call failed. Exit 0
 * when the handshake succeeded.
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "../lib/gt_client.h"

#include <netdb.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int outputs, issuer_calls, in_callback;

/* NAME's question: verify_peers3, or inside the handshake gnutls-cli's. */
static int verify_for(gnutls_session_t s, const char *name, unsigned *st)
{
    gnutls_typed_vdata_st d[2] = { { GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)name, 0 },
                                   { GNUTLS_DT_KEY_PURPOSE_OID,
                                     (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 } };
    if (in_callback)
        return gnutls_certificate_verify_peers(s, d, 2, st);
    return gnutls_certificate_verify_peers3(s, name, st);
}

static int give_issuer(gnutls_x509_trust_list_t list, const gnutls_x509_crt_t cert,
                       gnutls_x509_crt_t **issuers, unsigned *n)
{
    gnutls_datum_t pem;
    (void)list, (void)cert;
    issuer_calls++;
    if (gnutls_load_file(getenv("ISSUER_FILE"), &pem) < 0)
        return -1;
    int ret = gnutls_x509_crt_list_import2(issuers, n, &pem, GNUTLS_X509_FMT_PEM, 0);
    gnutls_free(pem.data);
    return ret < 0 ? -1 : 0;
}

static int count_output(gnutls_x509_crt_t cert, gnutls_x509_crt_t issuer, gnutls_x509_crl_t crl,
                        unsigned status)
{
    (void)cert, (void)issuer, (void)crl, (void)status;
    outputs++;
    return 0;
}

static void print(const char *what, int ret, unsigned status)
{
    if (ret < 0)
        printf("%s=E%d\n", what, ret);
    else
        printf("%s=%x\n", what, status);
}

static int remove_ca(gnutls_certificate_credentials_t cred, const char *file)
{
    gnutls_x509_trust_list_t list;
    gnutls_x509_crt_t *cas = NULL;
    gnutls_datum_t pem;
    unsigned n = 0;
    if (gnutls_load_file(file, &pem) < 0 ||
        gnutls_x509_crt_list_import2(&cas, &n, &pem, GNUTLS_X509_FMT_PEM, 0) < 0)
        return -1;
    gnutls_free(pem.data);
    gnutls_certificate_get_trust_list(cred, &list);
    return gnutls_x509_trust_list_remove_cas(list, cas, n);
}

static void *set_output(void *s)
{
    gnutls_session_set_verify_output_function(s, count_output);
    return NULL;
}

/* The output function set by another thread (and joined): the question
 * that follows must call it. */
static void set_output_elsewhere(gnutls_session_t s)
{
    pthread_t t;
    if (pthread_create(&t, NULL, set_output, s) == 0)
        pthread_join(t, NULL);
}

/* The MODE's question, after the handshake. */
static void ask(gnutls_session_t s, gnutls_certificate_credentials_t cred, const char *name,
                const char *mode)
{
    unsigned st = 0;
    int ret;
    if (!strcmp(mode, "auto") || !strcmp(mode, "same")) {
        ret = gnutls_certificate_verify_peers2(s, &st);
        print("peers2", ret, st);
        return;
    }
    if (!strcmp(mode, "other"))
        name = "other.example";
    else if (!strcmp(mode, "flags"))
        gnutls_certificate_set_verify_flags(cred, GNUTLS_PROFILE_TO_VFLAGS(GNUTLS_PROFILE_ULTRA));
    else if (!strcmp(mode, "crl"))
        printf("crl=%d\n",
               gnutls_certificate_set_x509_crl_file(cred, getenv("CRL_FILE"), GNUTLS_X509_FMT_PEM));
    else if (!strcmp(mode, "remove"))
        printf("removed=%d\n", remove_ca(cred, getenv("CA_FILE")));
    else if (!strcmp(mode, "output"))
        gnutls_session_set_verify_output_function(s, count_output);
    else if (!strcmp(mode, "output-thread"))
        set_output_elsewhere(s);
    else if (!strcmp(mode, "later"))
        sleep(getenv("ASK_SLEEP") ? (unsigned)atoi(getenv("ASK_SLEEP")) : 2);
    ret = verify_for(s, name, &st);
    print("asked", ret, st);
    if (!strncmp(mode, "output", 6))
        printf("outputs=%d\n", outputs);
}

static const char *cb_name, *cb_mode;
static jmp_buf out_of_callback;

/* IN_CALLBACK: the questions inside the handshake; accepts. */
static int in_handshake(gnutls_session_t s)
{
    gnutls_certificate_credentials_t cred = NULL;
    unsigned st = 0;
    gnutls_credentials_get(s, GNUTLS_CRD_CERTIFICATE, (void **)&cred);
    print("same", verify_for(s, cb_name, &st), st);
    if (!strcmp(cb_mode, "jump"))
        longjmp(out_of_callback, 1);
    ask(s, cred, cb_name, cb_mode);
    return 0;
}

/* A second peer, verified by GnuTLS inside the handshake. */
static void second(gnutls_certificate_credentials_t cred, const char *host, const char *port,
                   const char *name)
{
    gnutls_session_t s;
    int fd = tg_gt_dial(host, port, 0), rc;
    if (fd < 0) {
        printf("second=dial\n");
        return;
    }
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, name, strlen(name));
    gnutls_session_set_verify_cert(s, name, 0);
    gnutls_transport_set_int(s, fd);
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    printf("second=%d\n", rc);
    gnutls_deinit(s);
    close(fd);
}

int main(int argc, char **argv)
{
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    unsigned st = 0;
    if (argc != 5 || !getenv("CA_FILE")) {
        fprintf(stderr, "usage: CA_FILE=ca.pem asks HOST PORT NAME MODE\n");
        return 2;
    }
    const char *name = argv[3], *mode = argv[4];
    int fd = tg_gt_dial(argv[1], argv[2], 0), rc;
    if (fd < 0)
        return 1;
    gnutls_global_init();
    gnutls_certificate_allocate_credentials(&cred);
    if (gnutls_certificate_set_x509_trust_file(cred, getenv("CA_FILE"), GNUTLS_X509_FMT_PEM) <= 0)
        return 1;
    in_callback = getenv("IN_CALLBACK") != NULL;
    cb_name = name, cb_mode = mode;
    if (in_callback)
        gnutls_certificate_set_verify_function(cred, in_handshake);
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, name, strlen(name));
    if (!strcmp(mode, "auto"))
        gnutls_session_set_verify_cert(s, name, 0);
    if (!strcmp(mode, "issuer")) {
        gnutls_x509_trust_list_t list;
        gnutls_certificate_get_trust_list(cred, &list);
        gnutls_x509_trust_list_set_getissuer_function(list, give_issuer);
    }
    gnutls_transport_set_int(s, fd);
    if (setjmp(out_of_callback)) { /* mode jump */
        gnutls_deinit(s);
        close(fd);
        gnutls_init(&s, GNUTLS_CLIENT);
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
        print("fresh", verify_for(s, name, &st), st);
        return 0;
    }
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    printf("handshake=%d\n", rc);
    if (rc == 0 && !in_callback) {
        issuer_calls = 0;
        rc = gnutls_certificate_verify_peers3(s, name, &st);
        print("same", rc, st);
        if (!strcmp(mode, "issuer"))
            printf("issuer_calls=%d\n", issuer_calls);
        else
            ask(s, cred, name, mode);
    }
    if (rc == 0)
        gnutls_bye(s, GNUTLS_SHUT_WR);
    gnutls_deinit(s);
    close(fd);
    if (getenv("PORT2"))
        second(cred, argv[1], getenv("PORT2"), name);
    gnutls_certificate_free_credentials(cred);
    gnutls_global_deinit();
    return rc != 0;
}
