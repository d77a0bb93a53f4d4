/*
 * log.c — write whole lines to a private duplicate of stderr.
 *
 * The duplicate survives the program closing or reusing fd 2; its identity
 * (device, inode) is checked before each write so a descriptor number reused
 * for one of the program's files or sockets is never written to. A pipe that
 * nobody reads is skipped, not waited on.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char *program_invocation_short_name;

static int log_fd = -1;
static dev_t log_dev;
static ino_t log_ino;

void tg_log_open(void)
{
    struct stat st;
    /* Above the range programs typically hand out, close-on-exec. */
    int fd = fcntl(2, F_DUPFD_CLOEXEC, 100);
    if (fd < 0)
        return;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return;
    }
    log_dev = st.st_dev;
    log_ino = st.st_ino;
    log_fd = fd;
}

static void write_line(const char *buf, size_t len)
{
    struct stat st;
    struct pollfd p;
    int saved = errno;
    if (log_fd < 0 || fstat(log_fd, &st) != 0 || st.st_dev != log_dev || st.st_ino != log_ino)
        goto out;
    p.fd = log_fd;
    p.events = POLLOUT;
    p.revents = 0;
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
        goto out;
    /* One write: lines up to PIPE_BUF stay whole between processes. */
    if (write(log_fd, buf, len) < 0) {
        /* nothing to do: logging must never fail the program */
    }
out:
    errno = saved;
}

/* Copy `s` into `out`, replacing anything that could break the line's
 * key=value shape (controls, spaces, quotes) with '?'. */
static void clean(char *out, size_t n, const char *s, int allow_space)
{
    size_t i = 0;
    if (!s)
        s = "-";
    for (; *s && i + 1 < n; s++) {
        unsigned char c = (unsigned char)*s;
        int bad = c < 0x20 || c == 0x7f || c == '"' || c == '\\' || (c == ' ' && !allow_space);
        out[i++] = bad ? '?' : (char)c;
    }
    out[i] = '\0';
}

void tg_log_decision(const struct tg_decision *d)
{
    char host[256], proto[32], cipher[96], reason[512], prog[64], when[32], port[16];
    char line[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    clean(host, sizeof host, d->host, 0);
    clean(proto, sizeof proto, d->protocol, 0);
    clean(cipher, sizeof cipher, d->cipher, 0);
    clean(reason, sizeof reason, d->reason, 1);
    clean(prog, sizeof prog, program_invocation_short_name, 0);
    if (d->port > 0)
        snprintf(port, sizeof port, "%d", d->port);
    else
        snprintf(port, sizeof port, "-");
    int n = snprintf(line, sizeof line,
                     "tlsguard: time=%s pid=%ld program=%s action=%s host=%s port=%s "
                     "protocol=%s cipher=%s reason=\"%s\"\n",
                     when, (long)getpid(), prog, d->action, host, port, proto, cipher, reason);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 2] = '"';
        line[n - 1] = '\n';
    }
    write_line(line, (size_t)n);
}

void tg_log_internal(const char *msg)
{
    char line[768];
    char clean_msg[600];
    clean(clean_msg, sizeof clean_msg, msg, 1);
    int n = snprintf(line, sizeof line, "tlsguard: error: %s\n", clean_msg);
    if (n > 0)
        write_line(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
