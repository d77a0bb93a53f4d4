/*
 * rawfd.c — a careless GnuTLS client that, its handshake's failure
 * ignored, writes to the transport's descriptor itself, beneath GnuTLS's
 * record layer:
 *
 *   rawfd HOST PORT MARKER write|send|bye|byesig|resumebye
 *
 * It loads no trust anchors and accepts anything in a credentials verify
 * function; then write(2) (write), send(2) (send), or gnutls_bye first and
 * then write(2) (bye, byesig, resumebye) of "MARKER\n" on the socket.
 * resumebye first connects with SNI HOST, keeps the session and closes it
 * with gnutls_bye, then connects again resuming it with SNI other.example
 * (a handshake that completes: a block after it). SIGPIPE is ignored, so a
 * shut socket shows as EPIPE, except with byesig and resumebye (at its
 * default it kills the program where it is raised). Prints, unbuffered,
 * "handshake=<code>", "bye=<code>" and "raw=<bytes written or -errno>".
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

/* A session on a new TCP connection to 127.0.0.1:port, its handshake run
 * to the end (the result printed, and ignored); the socket, or -1. */
static int open_session(int port, const char *sni, gnutls_certificate_credentials_t cred,
                        const gnutls_datum_t *data, gnutls_session_t *s)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        printf("connect failed\n");
        return -1;
    }
    gnutls_init(s, GNUTLS_CLIENT);
    gnutls_set_default_priority(*s);
    gnutls_credentials_set(*s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(*s, GNUTLS_NAME_DNS, sni, strlen(sni));
    if (data->size)
        gnutls_session_set_data(*s, data->data, data->size);
    gnutls_transport_set_int(*s, fd);
    int rc;
    do {
        rc = gnutls_handshake(*s);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    printf("handshake=%d\n", rc);
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: rawfd HOST PORT MARKER write|send|bye|byesig|resumebye\n");
        return 2;
    }
    const char *mode = argv[4];
    int resume = !strcmp(mode, "resumebye");
    setvbuf(stdout, NULL, _IONBF, 0);
    if (strcmp(mode, "byesig") && !resume)
        signal(SIGPIPE, SIG_IGN);
    gnutls_global_init();
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_verify_function(cred, tg_gt_accept_all);
    gnutls_datum_t data = { NULL, 0 };
    gnutls_session_t s;
    int fd = open_session(atoi(argv[2]), argv[1], cred, &data, &s);
    if (fd >= 0 && resume) {
        tg_gt_keep_session(s, &data);
        printf("bye=%d\n", gnutls_bye(s, GNUTLS_SHUT_RDWR));
        gnutls_deinit(s);
        close(fd);
        fd = open_session(atoi(argv[2]), "other.example", cred, &data, &s);
        printf("resumed=%d\n", fd >= 0 && gnutls_session_is_resumed(s));
    }
    if (fd < 0)
        return 2;
    if (!strncmp(mode, "bye", 3) || resume)
        printf("bye=%d\n", gnutls_bye(s, GNUTLS_SHUT_WR));
    char line[256];
    int len = snprintf(line, sizeof line, "%s\n", argv[3]);
    ssize_t n = !strcmp(mode, "send") ? send(fd, line, (size_t)len, MSG_NOSIGNAL)
                                      : write(fd, line, (size_t)len);
    printf("raw=%ld\n", n < 0 ? -(long)errno : (long)n);
    usleep(200000); /* the relay forwards before we close */
    gnutls_deinit(s);
    gnutls_free(data.data);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    return 0;
}
