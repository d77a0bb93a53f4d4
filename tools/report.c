/*
 * report.c — records grouped by host, port, protocol and verdict, with
 * counts, reasons and programs; printed as a table or as JSON.
 *
 * Fleet logs can hold millions of lines: rows are found through a hash
 * table, and each row keeps at most TALLY_MAX distinct reasons and programs
 * (the rest are counted under "(other)"), so memory follows the number of
 * distinct connections, not of lines.
 */
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TALLY_MAX 32
#define OTHER     "(other)"

struct tally {
    char *text;
    unsigned long count;
};

struct tallies {
    struct tally *v;
    size_t n;
};

struct row {
    char *key;                                    /* host \t port \t protocol \t verdict */
    const char *host, *port, *protocol, *verdict; /* into a copy of key */
    char *split;
    unsigned long count;
    char first[40], last[40];
    struct tallies reasons, programs;
};

struct tg_report {
    struct row *rows;
    size_t n, cap;
    uint32_t *slots; /* row index + 1, 0: empty */
    size_t nslots;
    struct tg_report_counts c;
    char first_malformed[300];
};

struct tg_report *tg_report_new(void)
{
    return calloc(1, sizeof(struct tg_report));
}

static void free_tallies(struct tallies *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
}

void tg_report_free(struct tg_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        free(rep->rows[i].key);
        free(rep->rows[i].split);
        free_tallies(&rep->rows[i].reasons);
        free_tallies(&rep->rows[i].programs);
    }
    free(rep->rows);
    free(rep->slots);
    free(rep);
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Count text in t; past TALLY_MAX distinct values, under "(other)". */
static void tally(struct tallies *t, const char *text)
{
    size_t i;
    for (i = 0; i < t->n && strcmp(t->v[i].text, text); i++)
        ;
    if (i == t->n && t->n >= TALLY_MAX) {
        for (i = 0; i < t->n && strcmp(t->v[i].text, OTHER); i++)
            ;
        if (i == t->n)
            i = t->n - 1; /* the last slot becomes "(other)" */
        if (strcmp(t->v[i].text, OTHER)) {
            char *o = strdup(OTHER);
            if (!o)
                return;
            free(t->v[i].text);
            t->v[i].text = o;
        }
    }
    if (i == t->n) {
        struct tally *bigger = realloc(t->v, (t->n + 1) * sizeof *bigger);
        char *copy = strdup(text);
        if (!bigger || !copy) {
            free(copy);
            if (bigger)
                t->v = bigger;
            return;
        }
        t->v = bigger;
        t->v[t->n].text = copy;
        t->v[t->n++].count = 0;
    }
    t->v[i].count++;
}

static int grow_slots(struct tg_report *rep)
{
    size_t n = rep->nslots ? rep->nslots * 2 : 64;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < rep->n; i++) {
        size_t j = hash(rep->rows[i].key) & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(rep->slots);
    rep->slots = s;
    rep->nslots = n;
    return 0;
}

static struct row *new_row(struct tg_report *rep, const char *key)
{
    if (rep->n == rep->cap) {
        size_t cap = rep->cap ? rep->cap * 2 : 16;
        struct row *r = realloc(rep->rows, cap * sizeof *r);
        if (!r)
            return NULL;
        rep->rows = r;
        rep->cap = cap;
    }
    struct row *row = &rep->rows[rep->n];
    memset(row, 0, sizeof *row);
    row->key = strdup(key);
    row->split = strdup(key);
    if (!row->key || !row->split) {
        free(row->key);
        free(row->split);
        return NULL;
    }
    char *f[4] = { row->split, NULL, NULL, NULL };
    for (int i = 1; i < 4; i++) {
        f[i] = strchr(f[i - 1], '\t');
        *f[i]++ = '\0';
    }
    row->host = f[0];
    row->port = f[1];
    row->protocol = f[2];
    row->verdict = f[3];
    rep->n++;
    return row;
}

static struct row *find_row(struct tg_report *rep, const char *key)
{
    if ((rep->n + 1) * 2 > rep->nslots && grow_slots(rep) != 0)
        return NULL;
    size_t j = hash(key) & (rep->nslots - 1);
    for (; rep->slots[j]; j = (j + 1) & (rep->nslots - 1))
        if (!strcmp(rep->rows[rep->slots[j] - 1].key, key))
            return &rep->rows[rep->slots[j] - 1];
    struct row *row = new_row(rep, key);
    if (row)
        rep->slots[j] = (uint32_t)rep->n;
    return row;
}

static void add_record(struct tg_report *rep, const struct tg_log_record *r)
{
    char key[sizeof r->host + sizeof r->port + sizeof r->protocol + sizeof r->action + 4];
    snprintf(key, sizeof key, "%s\t%s\t%s\t%s", r->host, r->port, r->protocol, r->action);
    struct tg_report_counts *c = &rep->c;
    c->records++;
    if (!strcmp(r->action, "block"))
        c->blocked++;
    else if (!strcmp(r->action, "audit"))
        c->audit++;
    else if (!strcmp(r->action, "allow"))
        c->allowed++;
    else
        c->notices++;
    struct row *row = find_row(rep, key);
    if (!row)
        return;
    row->count++;
    /* ISO 8601 UTC times compare as strings. */
    if (!row->first[0] || strcmp(r->time, row->first) < 0)
        snprintf(row->first, sizeof row->first, "%s", r->time);
    if (strcmp(r->time, row->last) > 0)
        snprintf(row->last, sizeof row->last, "%s", r->time);
    tally(&row->reasons, r->reason[0] ? r->reason : "-");
    tally(&row->programs, r->program);
}

enum tg_line_kind tg_report_add_line(struct tg_report *rep, const char *line, size_t len,
                                     const char *where)
{
    struct tg_log_record r;
    enum tg_line_kind k = tg_report_parse_line(line, len, &r);
    rep->c.lines++;
    switch (k) {
    case TG_LINE_RECORD:
        add_record(rep, &r);
        break;
    case TG_LINE_ERROR:
        rep->c.errors++;
        break;
    case TG_LINE_MALFORMED:
        if (!rep->c.malformed++ && where)
            snprintf(rep->first_malformed, sizeof rep->first_malformed, "%s", where);
        break;
    case TG_LINE_OTHER:
        rep->c.other++;
        break;
    case TG_LINE_BLANK:
        rep->c.lines--;
        break;
    }
    return k;
}

int tg_report_add_stream(struct tg_report *rep, FILE *f, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        char where[300];
        snprintf(where, sizeof where, "%s:%lu", name, ++lineno);
        tg_report_add_line(rep, line, (size_t)n, where);
    }
    free(line);
    return ferror(f) ? -1 : 0;
}

const struct tg_report_counts *tg_report_counts(const struct tg_report *rep)
{
    return &rep->c;
}

const char *tg_report_first_malformed(const struct tg_report *rep)
{
    return rep->first_malformed[0] ? rep->first_malformed : NULL;
}

int tg_report_fails(const struct tg_report *rep, const char *mode)
{
    if (!mode)
        return 0;
    if (!strcmp(mode, "audit"))
        return rep->c.blocked + rep->c.audit > 0;
    return rep->c.blocked > 0;
}

/* ---- order ------------------------------------------------------------ */

static int verdict_rank(const char *v)
{
    static const char *const order[] = { "block", "audit", "notice", "allow" };
    for (int i = 0; i < 4; i++)
        if (!strcmp(v, order[i]))
            return i;
    return 4;
}

/* Blocks first, then would-be blocks, notices, allowed; then by host, port. */
static int row_cmp(const void *a, const void *b)
{
    const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;
    int d = verdict_rank(x->verdict) - verdict_rank(y->verdict);
    if (d)
        return d;
    if ((d = strcmp(x->host, y->host)))
        return d;
    long px = atol(x->port), py = atol(y->port);
    if (px != py)
        return px < py ? -1 : 1;
    return strcmp(x->protocol, y->protocol);
}

static int tally_cmp(const void *a, const void *b)
{
    const struct tally *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* The rows in print order, each row's tallies most frequent first. */
static const struct row **sorted_rows(const struct tg_report *rep)
{
    const struct row **v = calloc(rep->n ? rep->n : 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < rep->n; i++) {
        struct row *r = &rep->rows[i];
        qsort(r->reasons.v, r->reasons.n, sizeof *r->reasons.v, tally_cmp);
        qsort(r->programs.v, r->programs.n, sizeof *r->programs.v, tally_cmp);
        v[i] = r;
    }
    qsort(v, rep->n, sizeof *v, row_cmp);
    return v;
}

/* ---- table ------------------------------------------------------------ */

/* Text from logs is anybody's: no control character reaches the terminal. */
static void put_safe(FILE *out, const char *s, int width)
{
    int n = 0;
    for (; *s; s++, n++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
    for (; n < width; n++)
        fputc(' ', out);
}

static void programs_cell(const struct row *r, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->programs.n && i < 3; i++)
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s", i ? "," : "",
                                 r->programs.v[i].text);
    if (r->programs.n > 3 && used < n)
        snprintf(out + used, n - used, " +%zu", r->programs.n - 3);
}

static void summary(const struct tg_report_counts *c, FILE *out)
{
    unsigned long conns = c->allowed + c->blocked + c->audit;
    fprintf(out, "tlsguard report: %lu TLS connection%s, %lu blocked", conns, conns == 1 ? "" : "s",
            c->blocked);
    if (c->audit)
        fprintf(out, ", %lu would have been (audit)", c->audit);
    if (c->notices)
        fprintf(out, "; %lu notice%s", c->notices, c->notices == 1 ? "" : "s");
    fputc('\n', out);
}

void tg_report_print_table(const struct tg_report *rep, FILE *out, int with_input)
{
    const struct tg_report_counts *c = &rep->c;
    summary(c, out);
    if (with_input)
        fprintf(out,
                "  (%lu line%s read: %lu record%s, %lu tlsguard error%s, %lu malformed, "
                "%lu other)\n",
                c->lines, c->lines == 1 ? "" : "s", c->records, c->records == 1 ? "" : "s",
                c->errors, c->errors == 1 ? "" : "s", c->malformed, c->other);
    const struct row **v = sorted_rows(rep);
    if (!v || !rep->n) {
        free(v);
        return;
    }
    int wh = 4, wp = 8, wv = 7;
    char progs[200];
    for (size_t i = 0; i < rep->n; i++) {
        int h = (int)strlen(v[i]->host), p = (int)strlen(v[i]->protocol);
        wh = h > wh ? (h < 40 ? h : 40) : wh;
        wp = p > wp ? p : wp;
    }
    int wg = 8;
    for (size_t i = 0; i < rep->n; i++) {
        programs_cell(v[i], progs, sizeof progs);
        wg = (int)strlen(progs) > wg ? (int)strlen(progs) : wg;
    }
    fprintf(out, "  %-*s  %-5s  %-*s  %-*s  %5s  %-*s  %s\n", wh, "HOST", "PORT", wp, "PROTOCOL",
            wv, "VERDICT", "COUNT", wg, "PROGRAMS", "REASON");
    for (size_t i = 0; i < rep->n; i++) {
        const struct row *r = v[i];
        fputs("  ", out);
        put_safe(out, r->host, wh);
        fputs("  ", out);
        put_safe(out, r->port, 5);
        fputs("  ", out);
        put_safe(out, r->protocol, wp);
        fprintf(out, "  %-*s  %5lu  ", wv, r->verdict, r->count);
        programs_cell(r, progs, sizeof progs);
        put_safe(out, progs, wg);
        fputs("  ", out);
        put_safe(out, r->reasons.n ? r->reasons.v[0].text : "-", 0);
        if (r->reasons.n > 1)
            fprintf(out, " (+%zu other reason%s)", r->reasons.n - 1, r->reasons.n > 2 ? "s" : "");
        fputc('\n', out);
    }
    free(v);
}

/* ---- JSON ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s, or 0 (overlong forms,
 * surrogates and code points past U+10FFFF are not valid). */
static int utf8_len(const unsigned char *s)
{
    int n;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4;
    else
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_text(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p++);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(out, "\\u%04x", *p++);
        } else if (*p < 0x80) {
            fputc(*p++, out);
        } else {
            int n = utf8_len(p);
            if (n) {
                fwrite(p, 1, (size_t)n, out);
                p += n;
            } else {
                fputs("\\ufffd", out);
                p++;
            }
        }
    }
    fputc('"', out);
}

/* The same, with the log's "-" (unknown) as null. */
static void json_str(FILE *out, const char *s)
{
    if (!s || !strcmp(s, "-"))
        fputs("null", out);
    else
        json_text(out, s);
}

static void json_port(FILE *out, const char *port)
{
    char *end;
    long v = strtol(port, &end, 10);
    if (*port && !*end && v > 0 && v < 65536)
        fprintf(out, "%ld", v);
    else
        fputs("null", out);
}

static void json_tallies(FILE *out, const char *name, const char *item, const struct tallies *t)
{
    fprintf(out, ", \"%s\": [", name);
    for (size_t i = 0; i < t->n; i++) {
        fprintf(out, "%s{\"%s\": ", i ? ", " : "", item);
        json_text(out, t->v[i].text);
        fprintf(out, ", \"count\": %lu}", t->v[i].count);
    }
    fputc(']', out);
}

static void json_run(FILE *out, const struct tg_report_run *run)
{
    fputs("  \"run\": {\"status\": ", out);
    if (run->status >= 0)
        fprintf(out, "%d", run->status);
    else
        fputs("null", out);
    fprintf(out, ", \"signal\": %d, \"fail_on\": ", run->signal);
    json_str(out, run->fail_on);
    fprintf(out, ", \"exit_status\": %d},\n", run->exit_status);
}

void tg_report_print_json(const struct tg_report *rep, FILE *out, const struct tg_report_run *run)
{
    const struct tg_report_counts *c = &rep->c;
    fputs("{\n  \"tlsguard_report\": 1,\n", out);
    fprintf(out,
            "  \"summary\": {\"connections\": %lu, \"allowed\": %lu, \"blocked\": %lu, "
            "\"audit\": %lu, \"notices\": %lu},\n",
            c->allowed + c->blocked + c->audit, c->allowed, c->blocked, c->audit, c->notices);
    fprintf(out,
            "  \"input\": {\"lines\": %lu, \"records\": %lu, \"errors\": %lu, "
            "\"malformed\": %lu, \"other\": %lu},\n",
            c->lines, c->records, c->errors, c->malformed, c->other);
    if (run)
        json_run(out, run);
    fputs("  \"records\": [", out);
    const struct row **v = sorted_rows(rep);
    for (size_t i = 0; v && i < rep->n; i++) {
        const struct row *r = v[i];
        fputs(i ? ",\n    {\"host\": " : "\n    {\"host\": ", out);
        json_str(out, r->host);
        fputs(", \"port\": ", out);
        json_port(out, r->port);
        fputs(", \"protocol\": ", out);
        json_str(out, r->protocol);
        fputs(", \"verdict\": ", out);
        json_str(out, r->verdict);
        fprintf(out, ", \"count\": %lu", r->count);
        json_tallies(out, "reasons", "reason", &r->reasons);
        json_tallies(out, "programs", "program", &r->programs);
        fputs(", \"first_seen\": ", out);
        json_str(out, r->first[0] ? r->first : NULL);
        fputs(", \"last_seen\": ", out);
        json_str(out, r->last[0] ? r->last : NULL);
        fputc('}', out);
    }
    fputs(rep->n ? "\n  ]\n}\n" : "]\n}\n", out);
    free(v);
}
