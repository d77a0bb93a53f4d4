/*
 * log.c — write whole lines to the chosen destination.
 *
 * stderr is fd 2 as long as it is still the file it was at start-up: its
 * identity (device, inode) is checked before each write, so a descriptor
 * number the program closed and reused for one of its files or sockets is
 * never written to, and a program that points fd 2 at /dev/null (a daemon
 * detaching) silences us too. No duplicate is kept: it would hold the
 * caller's pipe open in a detached child. A pipe that nobody reads is
 * skipped, not waited on. A line to stderr starts on a line of its own: see
 * at_line_start(). syslog goes through our own /dev/log socket (ident tlsguard,
 * LOG_AUTHPRIV) so the program's openlog() settings are left alone. A file
 * is opened O_APPEND and each line is one write(), whole across processes.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char *program_invocation_short_name;

static int stderr_fd = -1;
static dev_t stderr_dev;
static ino_t stderr_ino;
static enum tg_log_kind dest = TG_LOG_STDERR;
static int file_fd = -1;
static int syslog_fd = -1;
static int report_fd = -1;
static int log_allowed;

#define LOG_AUTHPRIV_WARNING ((10 << 3) | 4)

void tg_log_open(void)
{
    struct stat st;
    if (fstat(2, &st) != 0)
        return; /* started with stderr closed: nothing to write to */
    stderr_dev = st.st_dev;
    stderr_ino = st.st_ino;
    stderr_fd = 2;
}

static int open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd >= 0 && fd < 100) {
        /* Keep clear of the low numbers programs use and close by habit. */
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
        if (high >= 0) {
            close(fd);
            fd = high;
        }
    }
    return fd;
}

void tg_log_set_destination(enum tg_log_kind kind, const char *path)
{
    if (kind == TG_LOG_SYSLOG) {
        struct sockaddr_un sun;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof sun.sun_path, "/dev/log");
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
            close(fd);
            fd = -1;
        }
        syslog_fd = fd;
    } else if (kind == TG_LOG_FILE) {
        file_fd = path ? open_append(path) : -1;
    }
    dest = kind;
}

void tg_log_set_allowed(int yes)
{
    log_allowed = yes;
}

void tg_log_set_report(const char *path)
{
    if (path && *path)
        report_fd = open_append(path);
}

/*
 * Does a line written to fd now start at the beginning of a line? The
 * program may have left a partial one (curl's progress meter ends in '\r',
 * no newline). A regular file tells: the byte before where this write lands
 * (read through /proc, as fd 2 is open for writing only). A terminal or a
 * pipe cannot be asked, so there the line always starts with a newline:
 * a blank line at worst, never a line glued to another.
 */
static int at_line_start(int fd, const struct stat *st)
{
    char path[32], c = 0;
    struct stat rst;
    if (!S_ISREG(st->st_mode))
        return 0;
    int fl = fcntl(fd, F_GETFL);
    off_t pos = fl >= 0 && (fl & O_APPEND) ? st->st_size : lseek(fd, 0, SEEK_CUR);
    if (pos <= 0)
        return pos == 0;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (rfd < 0)
        return 0;
    int ok = fstat(rfd, &rst) == 0 && rst.st_dev == st->st_dev && rst.st_ino == st->st_ino &&
             pread(rfd, &c, 1, pos - 1) == 1;
    close(rfd);
    return ok && c == '\n';
}

static void write_stderr(const char *buf, size_t len)
{
    struct stat st;
    struct pollfd p;
    char line[1200];
    if (stderr_fd < 0 || fstat(stderr_fd, &st) != 0 || st.st_dev != stderr_dev ||
        st.st_ino != stderr_ino)
        return;
    p.fd = stderr_fd;
    p.events = POLLOUT;
    p.revents = 0;
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
        return;
    if (len < sizeof line && !at_line_start(stderr_fd, &st)) {
        line[0] = '\n';
        memcpy(line + 1, buf, len);
        buf = line;
        len++;
    }
    /* One write: lines up to PIPE_BUF stay whole between processes. */
    if (write(stderr_fd, buf, len) < 0) {
        /* nothing to do: logging must never fail the program */
    }
}

static void write_fd(int fd, const char *buf, size_t len)
{
    int saved = errno;
    if (fd >= 0 && write(fd, buf, len) < 0) {
        /* as above */
    }
    errno = saved;
}

static void write_syslog(const char *line, size_t len)
{
    char msg[1200];
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    if (syslog_fd < 0)
        return;
    localtime_r(&now, &tm);
    strftime(when, sizeof when, "%b %e %H:%M:%S", &tm);
    /* "tlsguard: " is the ident here; the line without its newline. */
    const char *body = line + strlen("tlsguard: ");
    size_t blen = len - strlen("tlsguard: ") - 1;
    int n = snprintf(msg, sizeof msg, "<%d>%s tlsguard[%ld]: %.*s", LOG_AUTHPRIV_WARNING, when,
                     (long)getpid(), (int)blen, body);
    if (n > 0)
        send(syslog_fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1,
             MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void emit(const char *line, size_t len)
{
    int saved = errno;
    switch (dest) {
    case TG_LOG_STDERR:
        write_stderr(line, len);
        break;
    case TG_LOG_FILE:
        write_fd(file_fd, line, len);
        break;
    case TG_LOG_SYSLOG:
        write_syslog(line, len);
        break;
    case TG_LOG_NONE:
        break;
    }
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

int tg_log_wants_allowed(void)
{
    return report_fd >= 0 || log_allowed;
}

void tg_log_decision(const struct tg_decision *d)
{
    char host[256], proto[32], cipher[96], reason[512], prog[64], when[32], port[16];
    char line[1024];
    int is_allow = !strcmp(d->action, "allow");
    if (report_fd < 0 && (is_allow && !log_allowed))
        return;
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
    /* The report gets the same line: `tlsguard report` reads both. */
    write_fd(report_fd, line, (size_t)n);
    if (!is_allow || log_allowed)
        emit(line, (size_t)n);
}

void tg_log_internal(const char *msg)
{
    char line[768];
    char clean_msg[600];
    clean(clean_msg, sizeof clean_msg, msg, 1);
    int n = snprintf(line, sizeof line, "tlsguard: error: %s\n", clean_msg);
    if (n > 0)
        emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
