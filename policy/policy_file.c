/*
 * Reading a policy file: the checks ssh applies to its config (owned by root
 * or by us, writable by nobody else), a size limit, then the parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_int.h"

/* The file's problem as a line-0 diagnostic: "FILE: ..." once formatted. */
static struct tg_policy *refuse(struct tg_diags *d, const char *what, int err)
{
    char ebuf[128];

    if (err != 0)
        tg_policy_diag(d, 0, 0, "%s: %s", what, strerror_r(err, ebuf, sizeof(ebuf)));
    else
        tg_policy_diag(d, 0, 0, "%s", what);
    return NULL;
}

/* Read exactly up to size bytes; returns bytes read or -1 (errno set). */
static ssize_t read_all(int fd, char *buf, size_t size)
{
    size_t got = 0;

    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static struct tg_policy *load_fd(int fd, const char *path, struct tg_diags *d)
{
    struct tg_policy *p;
    struct stat st;
    char msg[160];
    char *buf;
    size_t size;
    ssize_t n;

    if (fstat(fd, &st) != 0)
        return refuse(d, "cannot stat policy", errno);
    if (!S_ISREG(st.st_mode))
        return refuse(d, "refusing policy: not a regular file", 0);
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(msg, sizeof(msg),
                 "refusing policy: owned by uid %lu, "
                 "not by root or the current user",
                 (unsigned long)st.st_uid);
        return refuse(d, msg, 0);
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(msg, sizeof(msg),
                 "refusing policy: writable by others (mode %04o): "
                 "chmod go-w it",
                 (unsigned)(st.st_mode & 07777));
        return refuse(d, msg, 0);
    }
    if (st.st_size > (off_t)TG_POLICY_MAX_FILE)
        return refuse(d, "refusing policy: larger than 4 MiB", 0);
    /* One byte more than fstat said, to notice a file that grew meanwhile.
	 * (tg_policy_mem_alloc: a large buffer comes pre-faulted.) */
    size = (size_t)st.st_size + 1;
    buf = tg_policy_mem_alloc(size);
    if (buf == NULL)
        return refuse(d, "out of memory", 0);
    n = read_all(fd, buf, size);
    if (n < 0) {
        int err = errno;

        tg_policy_mem_free(buf, size);
        return refuse(d, "cannot read policy", err);
    }
    if (n > st.st_size) {
        tg_policy_mem_free(buf, size);
        return refuse(d, "refusing policy: it changed while being read", 0);
    }
    p = tg_policy_parse(buf, (size_t)n, path, d);
    tg_policy_mem_free(buf, size);
    return p;
}

struct tg_policy *tg_policy_load_file(const char *path, struct tg_diags *out)
{
    struct tg_diags local;
    struct tg_diags *d = out != NULL ? out : &local;
    struct tg_policy *p;
    int fd;

    tg_policy_diags_init(d, path);
    if (path == NULL || path[0] == '\0') {
        refuse(d, "no policy file name", 0);
        goto done;
    }
    /* O_NONBLOCK: opening a FIFO must not hang the program; it is then refused. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        refuse(d, "cannot open policy", errno);
        goto done;
    }
    p = load_fd(fd, path, d);
    close(fd);
    if (d == &local)
        tg_diags_free(&local);
    return p;
done:
    if (d == &local)
        tg_diags_free(&local);
    return NULL;
}
