/*
 * cmd_report.c — `tlsguard report [--json] [--fail-on MODE] FILE... | -`:
 * the shim's log lines, gathered from many hosts (files, syslog, `journalctl
 * -t tlsguard -o cat`), summarised as `tlsguard run --report` does. A line
 * that is not the shim's is counted and skipped; an unreadable file is
 * reported and the others still read.
 */
#include "tlsguard.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int read_one(struct tg_report *rep, const char *path)
{
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "tlsguard report: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int r = tg_report_add_stream(rep, f, is_stdin ? "(standard input)" : path);
    if (r != 0)
        fprintf(stderr, "tlsguard report: %s: read error: %s\n", path, strerror(errno));
    if (!is_stdin)
        fclose(f);
    return r;
}

int tg_cmd_report(int argc, char **argv)
{
    int json = 0, i = 1, failed = 0;
    const char *fail_on = NULL;
    for (; i < argc; i++) {
        int err;
        const char *v;
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (tg_is_help(argv[i])) {
            return tg_help("report");
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if ((v = tg_opt_value(argc, argv, &i, "--fail-on", &err)) || err) {
            if (!v || (strcmp(v, "block") && strcmp(v, "audit")))
                return tg_usage_error("report", "--fail-on takes block or audit");
            fail_on = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return tg_unknown_option("report", argv[i]);
        } else {
            break;
        }
    }
    if (i >= argc)
        return tg_usage_error("report", "no FILE given (use - for standard input)");
    struct tg_report *rep = tg_report_new();
    if (!rep) {
        fprintf(stderr, "tlsguard report: out of memory\n");
        return 1;
    }
    for (; i < argc; i++)
        failed |= read_one(rep, argv[i]) != 0;
    if (json)
        tg_report_print_json(rep, stdout, NULL);
    else
        tg_report_print_table(rep, stdout, 1);
    const struct tg_report_counts *c = tg_report_counts(rep);
    if (c->malformed)
        fprintf(stderr, "tlsguard report: skipped %lu malformed line%s (the first: %s)\n",
                c->malformed, c->malformed == 1 ? "" : "s", tg_report_first_malformed(rep));
    int rc = failed ? 1 : 0;
    if (tg_report_fails(rep, fail_on)) {
        fprintf(stderr, "tlsguard report: --fail-on %s: %lu blocked, %lu would have been\n",
                fail_on, c->blocked, c->audit);
        rc = TG_EXIT_FAIL_ON;
    }
    tg_report_free(rep);
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = rc ? rc : 1;
    return rc;
}
