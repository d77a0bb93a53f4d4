/*
 * rawfd.c — a careless GnuTLS client that, its handshake's failure
 * ignored, writes to the transport's descriptor itself, beneath GnuTLS's
 * record layer:
 *
 *   rawfd HOST PORT MARKER write|send|bye
 *
 * It loads no trust anchors and accepts anything in a credentials verify
 * function; then write(2) (write), send(2) (send), or gnutls_bye first and
 * then write(2) (bye) of "MARKER\n" on the socket. SIGPIPE is ignored, so
 * a shut socket shows as EPIPE. Prints "handshake=<code>" and
 * "raw=<bytes written or -errno>".
 */
#include <gnutls/gnutls.h>

#include "../lib/gt_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: rawfd HOST PORT MARKER write|send|bye\n");
        return 2;
    }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        printf("connect failed\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    gnutls_global_init();
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_verify_function(cred, tg_gt_accept_all);
    gnutls_session_t s;
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, argv[1], strlen(argv[1]));
    gnutls_transport_set_int(s, fd);
    int rc;
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    printf("handshake=%d\n", rc); /* and ignored */
    if (!strcmp(argv[4], "bye"))
        gnutls_bye(s, GNUTLS_SHUT_WR);
    char line[256];
    int len = snprintf(line, sizeof line, "%s\n", argv[3]);
    ssize_t n = !strcmp(argv[4], "send") ? send(fd, line, (size_t)len, MSG_NOSIGNAL)
                                         : write(fd, line, (size_t)len);
    printf("raw=%ld\n", n < 0 ? -(long)errno : (long)n);
    usleep(200000); /* the relay forwards before we close */
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    return 0;
}
