/*
 * Unit tests for the policy's values and files: pin-expires dates, strict
 * base64, and loading a policy file (modes, owners, kinds, size).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "test_policy.h"
#include "unit.h"

/* pin-expires: unix time of 00:00 UTC on the following day. */
static const struct date_test {
    const char *date;
    long long want;
} date_tests[] = {
    { "1970-01-01", 86400 },        { "2024-02-29", 1709251200 }, /* 2024-03-01T00:00:00Z */
    { "2023-12-31", 1704067200 },                                 /* 2024-01-01T00:00:00Z */
    { "2000-02-29", 951868800 },                                  /* 2000-03-01T00:00:00Z */
    { "2038-01-19", 2147558400 },                                 /* past 2^31 */
    { "9999-12-31", 253402300800 },
};

static void test_dates(void)
{
    size_t i;

    for (i = 0; i < sizeof(date_tests) / sizeof(date_tests[0]); i++) {
        char text[200];
        struct tg_diags d;
        struct tg_policy *p;
        struct tg_host_settings s;

        snprintf(text, sizeof(text), "host a\n pin " PIN_11 "\n pin " PIN_22 "\n pin-expires %s\n",
                 date_tests[i].date);
        p = parse(text, &d);
        if (CHECK(p != NULL, date_tests[i].date)) {
            tg_policy_lookup(p, "a", &s);
            CHECK_INT(s.pins_expire_at, date_tests[i].want, date_tests[i].date);
        }
        tg_policy_free(p);
        tg_diags_free(&d);
    }
}

/* ---- base64 ----------------------------------------------------------- */

static const struct b64_test {
    const char *in;
    int ret;
    size_t len;
    const char *out;
} b64_tests[] = {
    { "", 0, 0, "" },
    { "Zg==", 0, 1, "f" },
    { "Zm8=", 0, 2, "fo" },
    { "Zm9v", 0, 3, "foo" },
    { "Zm9vYg==", 0, 4, "foob" },
    { "Zm9vYmE=", 0, 5, "fooba" },
    { "Zm9vYmFy", 0, 6, "foobar" },
    { "+/+/", 0, 3, "\xfb\xff\xbf" },
    { "Zg", -1, 0, NULL }, /* padding required */
    { "Zg=", -1, 0, NULL },
    { "Zg===", -1, 0, NULL },
    { "====", -1, 0, NULL },
    { "Z===", -1, 0, NULL },
    { "Zh==", -1, 0, NULL }, /* non-zero unused bits */
    { "Zm9=", -1, 0, NULL },
    { "Zm=v", -1, 0, NULL }, /* '=' in the middle */
    { "Zg==Zg==", -1, 0, NULL },
    { "Zm9v\n", -1, 0, NULL },
    { " Zm9", -1, 0, NULL },
    { "Zm-_", -1, 0, NULL }, /* base64url is not accepted */
    { "Zm9\x80", -1, 0, NULL },
};

static void test_base64(void)
{
    unsigned char out[64], small[2];
    size_t i, n;

    for (i = 0; i < sizeof(b64_tests) / sizeof(b64_tests[0]); i++) {
        const struct b64_test *t = &b64_tests[i];
        int r = tg_base64_decode(t->in, strlen(t->in), out, sizeof(out), &n);

        CHECK_INT(r, t->ret, t->in);
        if (r == 0 && t->ret == 0) {
            CHECK_INT(n, t->len, t->in);
            CHECK(memcmp(out, t->out, t->len) == 0, t->in);
        }
    }
    CHECK_INT(tg_base64_decode("Zm9v", 4, small, sizeof(small), &n), -2, "too small");
    CHECK_INT(tg_base64_decode("Zm8=", 4, small, sizeof(small), &n), 0, "exactly fits");
    /* Round trip of every byte value through the test encoder. */
    {
        unsigned char raw[256], back[256];
        char enc[400];

        for (i = 0; i < 256; i++)
            raw[i] = (unsigned char)i;
        for (i = 0; i <= 256; i += 37) {
            unit_base64(raw + (256 - i), i, enc);
            CHECK_INT(tg_base64_decode(enc, strlen(enc), back, sizeof(back), &n), 0, enc);
            CHECK(n == i && memcmp(back, raw + (256 - i), i) == 0, enc);
        }
    }
}

/* ---- policy files ------------------------------------------------------ */

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        perror(path);
    if (fd >= 0)
        close(fd);
    chmod(path, mode); /* not subject to the umask */
}

static int first_diag_has(const struct tg_diags *d, const char *sub)
{
    return d->count > 0 && d->items[0].line == 0 && strstr(d->items[0].message, sub) != NULL;
}

/* A scratch directory with good.policy, and where link and other go. */
struct files {
    char dir[32], path[300], link[300], other[300];
};

/* Mode and owner: a file others could write is refused, also through a link. */
static void test_file_modes(const struct files *f)
{
    struct tg_diags d;
    struct tg_policy *p;
    char buf[600];

    write_file(f->path, "mode audit\nhost a.com\n pin " PIN_11 "\n pin " PIN_22 "\n", 0644);
    p = tg_policy_load_file(f->path, &d);
    CHECK(p != NULL, "0644 file loads");
    if (p != NULL) {
        struct tg_host_settings none;

        tg_policy_lookup(p, NULL, &none);
        CHECK_INT(none.mode, TG_MODE_AUDIT, NULL);
    }
    tg_policy_free(p);
    tg_diags_free(&d);

    /* Errors in a file carry its name. */
    write_file(f->other, "mode audit\nmode x\n", 0600);
    p = tg_policy_load_file(f->other, &d);
    CHECK(p == NULL, NULL);
    tg_diag_format(&d, 0, buf, sizeof(buf));
    CHECK(strstr(buf, "/other.policy:2: duplicate mode") != NULL, buf);
    tg_diags_free(&d);

    /* A symlink is followed; the file reached is what is checked. */
    CHECK(symlink(f->path, f->link) == 0, "symlink");
    p = tg_policy_load_file(f->link, &d);
    CHECK(p != NULL, "symlink to a good file loads");
    tg_policy_free(p);
    tg_diags_free(&d);

    chmod(f->path, 0666);
    p = tg_policy_load_file(f->link, &d);
    CHECK(p == NULL, "symlink to a world-writable file");
    CHECK(first_diag_has(&d, "refusing policy: writable by others (mode 0666)"), NULL);
    tg_diags_free(&d);

    p = tg_policy_load_file(f->path, &d);
    CHECK(p == NULL, "world-writable file");
    tg_diag_format(&d, 0, buf, sizeof(buf));
    CHECK(strstr(buf, "/good.policy: refusing policy: writable by others") != NULL, buf);
    tg_diags_free(&d);

    chmod(f->path, 0620);
    p = tg_policy_load_file(f->path, &d);
    CHECK(p == NULL, "group-writable file");
    CHECK(first_diag_has(&d, "writable by others (mode 0620)"), NULL);
    tg_diags_free(&d);

    chmod(f->path, 0602);
    p = tg_policy_load_file(f->path, &d);
    CHECK(p == NULL, "other-writable file");
    tg_diags_free(&d);

    chmod(f->path, 0400);
    p = tg_policy_load_file(f->path, &d);
    CHECK(p != NULL, "read-only file loads");
    tg_policy_free(p);
    tg_diags_free(&d);

    /* Owned by someone else (only root can arrange that). */
    if (geteuid() == 0) {
        CHECK(chown(f->path, 12345, 12345) == 0, "chown");
        p = tg_policy_load_file(f->path, &d);
        CHECK(p == NULL, "file owned by another user");
        CHECK(first_diag_has(&d, "owned by uid 12345"), NULL);
        tg_diags_free(&d);
        CHECK(chown(f->path, 0, 0) == 0, "chown back");
    }
}

/* What is not a regular file, or not there, is refused at once. */
static void test_file_kinds(const struct files *f)
{
    struct tg_diags d;
    struct tg_policy *p;
    char buf[600];

    snprintf(buf, sizeof(buf), "%s/missing.policy", f->dir);
    p = tg_policy_load_file(buf, &d);
    CHECK(p == NULL, "missing file");
    tg_diag_format(&d, 0, buf, sizeof(buf));
    CHECK(strstr(buf, "/missing.policy: cannot open policy: No such file or directory") != NULL,
          buf);
    tg_diags_free(&d);

    p = tg_policy_load_file(f->dir, &d);
    CHECK(p == NULL, "directory");
    CHECK(first_diag_has(&d, "not a regular file"), NULL);
    tg_diags_free(&d);

    /* A FIFO is refused at once, not waited on. */
    snprintf(buf, sizeof(buf), "%s/fifo", f->dir);
    if (CHECK(mkfifo(buf, 0600) == 0, "mkfifo")) {
        p = tg_policy_load_file(buf, &d);
        CHECK(p == NULL, "fifo");
        CHECK(first_diag_has(&d, "not a regular file"), NULL);
        tg_diags_free(&d);
        unlink(buf);
    }

    p = tg_policy_load_file("", &d);
    CHECK(p == NULL, "empty name");
    tg_diags_free(&d);
}

/* 4 MiB is the limit: a file of comments just over it is refused. */
static void test_file_size(const struct files *f)
{
    struct tg_diags d;
    struct tg_policy *p;
    char *big = malloc(TG_POLICY_MAX_FILE + 2);
    size_t i;

    if (!CHECK(big != NULL, "malloc"))
        return;
    memset(big, '#', TG_POLICY_MAX_FILE + 1);
    for (i = 1000; i < TG_POLICY_MAX_FILE + 1; i += 1000)
        big[i] = '\n';
    big[TG_POLICY_MAX_FILE + 1] = '\0';
    write_file(f->other, big, 0600);
    p = tg_policy_load_file(f->other, &d);
    CHECK(p == NULL, "4 MiB + 1 byte");
    CHECK(first_diag_has(&d, "larger than 4 MiB"), NULL);
    tg_diags_free(&d);
    big[TG_POLICY_MAX_FILE] = '\0';
    write_file(f->other, big, 0600);
    p = tg_policy_load_file(f->other, &d);
    CHECK(p != NULL, "exactly 4 MiB");
    tg_policy_free(p);
    tg_diags_free(&d);
    free(big);
}

static void test_files(void)
{
    struct files f = { .dir = "/tmp/tg_unit_XXXXXX" };

    if (!CHECK(mkdtemp(f.dir) != NULL, "mkdtemp"))
        return;
    snprintf(f.path, sizeof(f.path), "%s/good.policy", f.dir);
    snprintf(f.link, sizeof(f.link), "%s/link.policy", f.dir);
    snprintf(f.other, sizeof(f.other), "%s/other.policy", f.dir);
    test_file_modes(&f);
    test_file_kinds(&f);
    test_file_size(&f);
    unlink(f.link);
    unlink(f.path);
    unlink(f.other);
    rmdir(f.dir);
}

int main(void)
{
    test_dates();
    test_base64();
    test_files();
    return unit_finish();
}
