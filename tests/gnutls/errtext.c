/*
 * errtext.c — which GnuTLS error texts name tlsguard: only a block's, in
 * the thread that got it, until that thread's next GnuTLS outcome.
 *
 *   errtext STEP:PORT...
 *
 * Each step is one client session to 127.0.0.1:PORT (SNI localhost, no
 * trust anchors of its own) that sends "MARKER-<step number>\n":
 *   conn    a verify function that accepts anything (careless)
 *   refuse  a verify function that refuses every certificate (the
 *           program's own refusal: GNUTLS_E_CERTIFICATE_ERROR)
 *   auto    gnutls_session_set_verify_cert("localhost") with no anchors:
 *           GnuTLS's own refusal, GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR
 *   old     careless, and TLS 1.0 and 1.1 allowed (a TLS 1.0-only peer
 *           answers the floor's ClientHello with an alert)
 * After each step: "N rc=<handshake code> text=<gnutls_strerror(rc)>",
 * and "N alert=<gnutls_alert_get_name>" when the peer sent a fatal alert;
 * after the first failing one also "thread text=<...>" (gnutls_strerror
 * of that code in another thread) and "thread alert=<...>", and at the end
 * "again text=<...>" and "again alert=<...>" (of the first failure's code
 * and alert, after every later step).
 */
#include <gnutls/gnutls.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int accept_all(gnutls_session_t s)
{
    (void)s;
    return 0;
}

static int refuse_all(gnutls_session_t s)
{
    (void)s;
    return -1;
}

static int first_alert = -1;

static int session(int step, int port, const char *kind)
{
    int refuse = !strcmp(kind, "refuse"), autov = !strcmp(kind, "auto");
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa))
        return -1;
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_verify_function(cred, refuse ? refuse_all : accept_all);
    gnutls_session_t s;
    gnutls_init(&s, GNUTLS_CLIENT);
    if (!strcmp(kind, "old"))
        gnutls_priority_set_direct(s, "NORMAL:+VERS-TLS1.1:+VERS-TLS1.0:%COMPAT", NULL);
    else
        gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", 9);
    if (autov) /* GnuTLS's own check, against no anchors: it fails on its own */
        gnutls_session_set_verify_cert(s, "localhost", 0);
    gnutls_transport_set_int(s, fd);
    int rc;
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    printf("%d rc=%d text=%s\n", step, rc, gnutls_strerror(rc));
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        int alert = (int)gnutls_alert_get(s);
        printf("%d alert=%s\n", step, gnutls_alert_get_name((gnutls_alert_description_t)alert));
        if (first_alert < 0)
            first_alert = alert;
    }
    if (rc == 0) {
        char line[64];
        int len = snprintf(line, sizeof line, "MARKER-%d\n", step);
        gnutls_record_send(s, line, (size_t)len);
        gnutls_bye(s, GNUTLS_SHUT_WR);
    }
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    return rc;
}

static void *other_thread(void *arg)
{
    printf("thread text=%s\n", gnutls_strerror(*(int *)arg));
    if (first_alert >= 0)
        printf("thread alert=%s\n", gnutls_alert_get_name((gnutls_alert_description_t)first_alert));
    return NULL;
}

int main(int argc, char **argv)
{
    int first = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    gnutls_global_init();
    for (int i = 1; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        if (!colon)
            return 2;
        *colon = '\0';
        int rc = session(i, atoi(colon + 1), argv[i]);
        if (rc < 0 && !first) {
            pthread_t t;
            first = rc;
            if (!pthread_create(&t, NULL, other_thread, &first))
                pthread_join(t, NULL);
        }
    }
    if (first)
        printf("again text=%s\n", gnutls_strerror(first));
    if (first_alert >= 0)
        printf("again alert=%s\n", gnutls_alert_get_name((gnutls_alert_description_t)first_alert));
    gnutls_global_deinit();
    return 0;
}
