/*
 * sock_shut.h — what every backend does to a blocked connection's
 * transport: shut the socket both ways, beneath the TLS library.
 */
#ifndef TG_SOCK_SHUT_H
#define TG_SOCK_SHUT_H

/* When `fd` is a socket: shutdown(fd, SHUT_RDWR), so that no byte the
 * program writes to it itself (write(2), send(2), a plaintext fallback on
 * the same descriptor, kernel TLS) reaches the refused peer, and none comes
 * from it. Never closed: the descriptor number is the program's. Nothing
 * for -1 or a descriptor that is no socket (a pipe, a file). A later raw
 * write to the shut socket fails with EPIPE and raises SIGPIPE, as on any
 * connection the peer reset (the shim leaves signals to the program: it was
 * told the connection failed). Errors are ignored; errno is kept. */
void tg_sock_shut(int fd);

#endif
