/*
 * report.h — what a process tree's TLS connections were, from the shim's
 * key=value log lines: `tlsguard run --report` (the lines the tree wrote to
 * TLSGUARD_REPORT) and `tlsguard report FILE...` (log files, syslog,
 * journalctl output) share this one module.
 *
 * report_parse.c turns one line into a record (pure, unit-tested);
 * report.c groups records by host, port, protocol and verdict and prints
 * them as a table or as JSON (schema: tlsguard(1), REPORT FORMAT).
 */
#ifndef TG_REPORT_H
#define TG_REPORT_H

#include <stdio.h>

/* The exit status of `--fail-on` when it trips (run and report). */
#define TG_EXIT_FAIL_ON 3

/* ---- one line -------------------------------------------------------- */

enum tg_line_kind {
    TG_LINE_RECORD,    /* a decision: action=block|audit|allow|notice */
    TG_LINE_ERROR,     /* "tlsguard: error: ..." (the shim could not do its job) */
    TG_LINE_MALFORMED, /* looks like the shim's but does not parse */
    TG_LINE_OTHER,     /* not the shim's (other programs in a syslog file) */
    TG_LINE_BLANK,
};

struct tg_log_record {
    char time[40];
    char program[64];
    char action[16];
    char host[256];
    char port[16];
    char protocol[32];
    char cipher[96];
    char reason[600];
    long pid; /* -1: absent */
};

/* Lines longer than this are malformed (the shim writes at most 1024 bytes,
 * plus a syslog or journal prefix). */
#define TG_REPORT_MAX_LINE 8192

/*
 * Classify one line (without or with its "\n"): the shim's own
 * "tlsguard: time=..." form, after any prefix (a syslog or journal header
 * "... tlsguard[PID]: ", a partial line the program wrote before it), or
 * bare "time=..." as `journalctl -o cat` prints it. Fills *r for a record.
 */
enum tg_line_kind tg_report_parse_line(const char *line, size_t len, struct tg_log_record *r);

/* ---- many lines ------------------------------------------------------ */

struct tg_report;

struct tg_report_counts {
    unsigned long lines, records, errors, malformed, other;
    unsigned long allowed, blocked, audit, notices;
};

/* What `tlsguard run` adds to its report (JSON "run" object). */
struct tg_report_run {
    int status;          /* the command's exit status, or -1 when a signal ended it */
    int signal;          /* that signal, 0 if none */
    const char *fail_on; /* "block", "audit" or NULL */
    int exit_status;     /* what tlsguard run exits with */
};

struct tg_report *tg_report_new(void);
void tg_report_free(struct tg_report *rep);
/* Add one line; where names it (file:line) for the first malformed one. */
enum tg_line_kind tg_report_add_line(struct tg_report *rep, const char *line, size_t len,
                                     const char *where);
/* Add every line of f; name is used in messages. 0, or -1 on a read error. */
int tg_report_add_stream(struct tg_report *rep, FILE *f, const char *name);
const struct tg_report_counts *tg_report_counts(const struct tg_report *rep);
/* "file:line" of the first malformed line, or NULL. */
const char *tg_report_first_malformed(const struct tg_report *rep);

/* Would --fail-on MODE ("block" or "audit") trip? */
int tg_report_fails(const struct tg_report *rep, const char *mode);

/* The table: a summary line, then one row per host/port/protocol/verdict.
 * with_input: also say how many lines were read, skipped, malformed. */
void tg_report_print_table(const struct tg_report *rep, FILE *out, int with_input);
/* One JSON document (schema version 1); run may be NULL. */
void tg_report_print_json(const struct tg_report *rep, FILE *out, const struct tg_report_run *run);

#endif
