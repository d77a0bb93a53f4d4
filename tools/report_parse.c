/*
 * report_parse.c — one line of a log into a record.
 *
 * The shim writes "tlsguard: time=T pid=P program=X action=A host=H port=N
 * protocol=V cipher=C reason="..."" (shim/core/log.c: values have no spaces or
 * quotes, the reason no quotes or backslashes). Where it lands, something
 * may stand before it: syslog's "Dec  1 20:57:01 host tlsguard[42]: " (the
 * ident replaces "tlsguard: "), journalctl's header, a partial line the
 * program wrote to the same stderr (curl's progress meter), a CI runner's
 * timestamp. So the record starts at the first "time=" that begins a word
 * and parses; `journalctl -o cat` prints it bare. Pure C: no I/O.
 */
#include "report.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct field {
    const char *key;
    size_t off, size; /* where in struct tg_log_record, and its room */
};

#define FIELD(k, m)                                                                                \
    {                                                                                              \
        k, offsetof(struct tg_log_record, m), sizeof(((struct tg_log_record *)0)->m)               \
    }
static const struct field fields[] = {
    FIELD("time", time),     FIELD("program", program), FIELD("action", action),
    FIELD("host", host),     FIELD("port", port),       FIELD("protocol", protocol),
    FIELD("cipher", cipher), FIELD("reason", reason),
};
#define NFIELDS (sizeof fields / sizeof *fields)

static int is_action(const char *a)
{
    return !strcmp(a, "block") || !strcmp(a, "audit") || !strcmp(a, "allow") ||
           !strcmp(a, "notice");
}

/* Copy [s, s+n) into a field, a control character as '?' (as the shim
 * writes them: a tab must not split the report's key); a value that does
 * not fit is malformed (the shim's values all fit). */
static int put(char *dst, size_t room, const char *s, size_t n)
{
    if (n >= room)
        return -1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    dst[n] = '\0';
    return 0;
}

static int set_pid(struct tg_log_record *r, const char *v, size_t n)
{
    char buf[24], *end;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    long pid = strtol(buf, &end, 10);
    if (*end || pid < 0)
        return -1;
    r->pid = pid;
    return 0;
}

/* Parse key=value words from s to end. 0 when every word is a key=value,
 * the reason (quoted, last) is whole or runs to the end (a line cut short),
 * and time, action and host were there. */
static int parse_fields(const char *s, const char *end, struct tg_log_record *r)
{
    unsigned seen = 0;
    memset(r, 0, sizeof *r);
    r->pid = -1;
    while (s < end) {
        const char *eq = memchr(s, '=', (size_t)(end - s)), *sp;
        if (!eq || eq == s)
            return -1;
        size_t klen = (size_t)(eq - s);
        const char *v = eq + 1, *vend;
        if (v < end && *v == '"') {
            v++;
            const char *q = memchr(v, '"', (size_t)(end - v));
            vend = q ? q : end;
            sp = q ? q + 1 : end;
            if (sp < end && *sp != ' ')
                return -1;
        } else {
            sp = v < end ? memchr(v, ' ', (size_t)(end - v)) : NULL;
            vend = sp ? sp : end;
            sp = vend;
            for (const char *c = v; c < vend; c++)
                if (*c == '"')
                    return -1;
        }
        if (memchr(s, ' ', klen))
            return -1;
        if (klen == 3 && !memcmp(s, "pid", 3)) {
            if (set_pid(r, v, (size_t)(vend - v)) != 0)
                return -1;
        }
        for (size_t i = 0; i < NFIELDS; i++) {
            if (strlen(fields[i].key) != klen || memcmp(fields[i].key, s, klen))
                continue;
            if (seen & (1u << i))
                return -1; /* twice: not one record */
            seen |= 1u << i;
            if (put((char *)r + fields[i].off, fields[i].size, v, (size_t)(vend - v)) != 0)
                return -1;
        }
        /* unknown keys are skipped: a newer shim may add fields */
        s = sp;
        while (s < end && *s == ' ')
            s++;
    }
    if (!r->time[0] || !r->host[0] || !is_action(r->action))
        return -1;
    if (!r->port[0])
        strcpy(r->port, "-");
    if (!r->protocol[0])
        strcpy(r->protocol, "-");
    if (!r->program[0])
        strcpy(r->program, "-");
    return 0;
}

/* Does "tlsguard: error: " or "tlsguard[PID]: error: " stand in [s, end)? */
static int is_error_line(const char *s, const char *end)
{
    for (const char *p = s; (p = memmem(p, (size_t)(end - p), "tlsguard", 8)); p += 8) {
        const char *q = p + 8;
        if (q < end && *q == '[') {
            while (++q < end && *q >= '0' && *q <= '9')
                ;
            if (q >= end || *q != ']')
                continue;
            q++;
        }
        if ((size_t)(end - q) >= 9 && !memcmp(q, ": error: ", 9))
            return 1;
    }
    return 0;
}

enum tg_line_kind tg_report_parse_line(const char *line, size_t len, struct tg_log_record *r)
{
    const char *end = line + len;
    while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    const char *s = line;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (s == end)
        return TG_LINE_BLANK;
    if ((size_t)(end - line) > TG_REPORT_MAX_LINE)
        return TG_LINE_MALFORMED;
    int candidate = 0;
    for (const char *p = s; (p = memmem(p, (size_t)(end - p), "time=", 5)); p += 5) {
        if (p != s && p[-1] != ' ')
            continue;
        candidate = 1;
        if (parse_fields(p, end, r) == 0)
            return TG_LINE_RECORD;
    }
    if (is_error_line(s, end))
        return TG_LINE_ERROR;
    /* A "time=" word with no record after it is the shim's only if the line
     * says tlsguard (or is all key=value, as journalctl -o cat prints it). */
    if (candidate && (memmem(s, (size_t)(end - s), "tlsguard", 8) || !strncmp(s, "time=", 5)))
        return TG_LINE_MALFORMED;
    return TG_LINE_OTHER;
}
