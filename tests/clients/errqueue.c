/*
 * errqueue — what a program reads off the OpenSSL error queue after a failed
 * handshake. `errqueue HOST PORT [--road connect|handshake|bio]`:
 *   connect    SSL_connect
 *   handshake  SSL_set_connect_state + SSL_do_handshake (as Python's _ssl)
 *   bio        an SSL BIO over a socket BIO, BIO_do_handshake
 * A careless client: flexible method, no verification, no CA, SNI = HOST.
 * On failure it prints
 *   last: <ERR_error_string of ERR_peek_last_error()>   (Python 3 reads this end)
 *   first: <ERR_error_string of ERR_get_error()>        (Python 2 reads this end)
 *   rest: <each remaining error, oldest first, with its data>
 * and exits 1; on success it writes one payload and exits 0; 2: setup.
 * Standalone (no common.c): builds against OpenSSL 1.0.1 to 3.x.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai; ai = ai->ai_next) { /* every result: ::1 may come first */
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static void print_queue(void)
{
    char buf[512];
    const char *file, *data;
    int line, flags;
    unsigned long e;

    ERR_error_string_n(ERR_peek_last_error(), buf, sizeof buf);
    printf("last: %s\n", buf);
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    printf("first: %s\n", buf);
    while ((e = ERR_get_error_line_data(&file, &line, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof buf);
        printf("rest: %s (%s:%d)%s%s\n", buf, file, line, (flags & ERR_TXT_STRING) ? " data=" : "",
               (flags & ERR_TXT_STRING) ? data : "");
    }
    fflush(stdout);
}

static int handshake(SSL_CTX *ctx, int fd, const char *host, const char *road, BIO **bio_out)
{
    SSL *ssl;
    int ret;
    unsigned char ip[16];
    int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;

    if (strcmp(road, "bio") == 0) {
        BIO *tls = BIO_new_ssl(ctx, 1);
        BIO *sock = BIO_new_socket(fd, BIO_NOCLOSE);
        BIO_get_ssl(tls, &ssl);
        if (!is_ip)
            SSL_set_tlsext_host_name(ssl, host);
        *bio_out = BIO_push(tls, sock);
        ret = (int)BIO_do_handshake(*bio_out);
        printf("BIO_do_handshake returned %d\n", ret);
        return ret == 1;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!is_ip)
        SSL_set_tlsext_host_name(ssl, host);
    if (strcmp(road, "handshake") == 0) {
        SSL_set_connect_state(ssl);
        ret = SSL_do_handshake(ssl);
    } else {
        ret = SSL_connect(ssl);
    }
    printf("%s returned %d SSL_get_error=%d\n", road[0] == 'h' ? "SSL_do_handshake" : "SSL_connect",
           ret, SSL_get_error(ssl, ret));
    *bio_out = BIO_new(BIO_f_ssl());
    BIO_set_ssl(*bio_out, ssl, BIO_CLOSE);
    return ret == 1;
}

int main(int argc, char **argv)
{
    const char *road = "connect";
    const char payload[] = "TLSGUARD-PAYLOAD errqueue\n";
    BIO *bio = NULL;
    SSL_CTX *ctx;
    int fd;

    if (argc == 5 && strcmp(argv[3], "--road") == 0)
        road = argv[4];
    else if (argc != 3) {
        fprintf(stderr, "usage: errqueue HOST PORT [--road connect|handshake|bio]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    SSL_library_init();
    SSL_load_error_strings();
    ctx = SSL_CTX_new(SSLv23_client_method());
    if (!ctx)
        return 2;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
#if OPENSSL_VERSION_NUMBER >= 0x10100000L
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0"); /* TLS 1.0 on OpenSSL 3 */
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
#endif
    fd = tcp_connect(argv[1], argv[2]);
    if (fd < 0) {
        printf("connect to %s port %s failed\n", argv[1], argv[2]);
        return 2;
    }
    ERR_clear_error();
    if (!handshake(ctx, fd, argv[1], road, &bio)) {
        print_queue();
        close(fd);
        return 1;
    }
    if (BIO_write(bio, payload, (int)strlen(payload)) != (int)strlen(payload)) {
        printf("BIO_write failed\n");
        print_queue();
        close(fd);
        return 1;
    }
    printf("sent %d bytes\n", (int)strlen(payload));
    (void)BIO_flush(bio);
    close(fd);
    return 0;
}
