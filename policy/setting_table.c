/*
 * The settings table: one row per directive (but `host`), and the parsers of
 * the value types.  Adding a per-host setting: a field in struct
 * tg_host_settings (policy.h), an entry in enum tg_setting (setting_table.h) and
 * a row here; a new kind of value also a parser and a row of tg_value_types.
 */
#include <stdio.h>
#include <string.h>

#include "log_dest.h"
#include "policy_int.h"

#define PIN_PREFIX         "sha256/"
#define PIN_MSG            "pin must be sha256/ followed by the base64 of 32 bytes"
#define MAX_PINS_PER_BLOCK 64

#define HOST_FIELD(f)      offsetof(struct tg_host_settings, f)
#define GLOBAL_FIELD(f)    offsetof(struct tg_global, f)
/* The fields first..last of struct tg_host_settings, as one group. */
#define TAKE(first, last)                                                                          \
    .take_off = HOST_FIELD(first),                                                                 \
    .take_len =                                                                                    \
        HOST_FIELD(last) + sizeof(((struct tg_host_settings *)0)->last) - HOST_FIELD(first)

const struct tg_setting_def tg_setting_table[TG_SET_COUNT] = {
    [TG_SET_MIN_PROTOCOL] = { .name = "min-protocol",
                              .type = TG_T_PROTOCOL,
                              .def.i = TG_TLS1_2,
                              .in_host = 1,
                              .global = TG_G_DEFAULT,
                              .host_off = HOST_FIELD(min_protocol) },
    [TG_SET_MODE] = { .name = "mode",
                      .type = TG_T_MODE,
                      .def.i = TG_MODE_ENFORCE,
                      .in_host = 1,
                      .global = TG_G_DEFAULT,
                      .host_off = HOST_FIELD(mode) },
    /* pins and pin-expires come together from the first block with a pin */
    [TG_SET_PIN] = { .name = "pin",
                     .type = TG_T_PIN,
                     .in_host = 1,
                     .repeatable = 1,
                     .host_off = HOST_FIELD(pins),
                     TAKE(pins, pins_expire_at) },
    [TG_SET_PIN_EXPIRES] = { .name = "pin-expires",
                             .type = TG_T_DATE,
                             .def.ll = -1,
                             .in_host = 1,
                             .member = 1,
                             .leader = TG_SET_PIN,
                             .inert = 1,
                             .host_off = HOST_FIELD(pins_expire_at) },
    /* per-host anchors: ca-file and ca-dir together, from the first block
	 * that sets either; the global ones stay in struct tg_global */
    [TG_SET_CA_FILE] = { .name = "ca-file",
                         .type = TG_T_PATH,
                         .in_host = 1,
                         .global = TG_G_OWN,
                         .host_off = HOST_FIELD(ca_file),
                         .global_off = GLOBAL_FIELD(ca_file),
                         TAKE(ca_file, ca_dir),
                         .has_line_off = 1,
                         .line_off = HOST_FIELD(ca_line) },
    [TG_SET_CA_DIR] = { .name = "ca-dir",
                        .type = TG_T_PATH,
                        .in_host = 1,
                        .member = 1,
                        .leader = TG_SET_CA_FILE,
                        .global = TG_G_OWN,
                        .host_off = HOST_FIELD(ca_dir),
                        .global_off = GLOBAL_FIELD(ca_dir) },
    [TG_SET_LOG] = { .name = "log",
                     .type = TG_T_LOG,
                     .def.i = TG_LOG_STDERR,
                     .global = TG_G_OWN,
                     .global_off = GLOBAL_FIELD(log_kind) },
    [TG_SET_LOG_ALLOWED] = { .name = "log-allowed",
                             .type = TG_T_YESNO,
                             .def.i = 0,
                             .global = TG_G_OWN,
                             .global_off = GLOBAL_FIELD(log_allowed) },
};

/* ---- value parsers ---------------------------------------------------- */

static int parse_protocol(struct tg_parser *ps, const char *name, const char *v, void *dst)
{
    (void)name;
    if (strcmp(v, "TLSv1.2") == 0)
        *(int *)dst = TG_TLS1_2;
    else if (strcmp(v, "TLSv1.3") == 0)
        *(int *)dst = TG_TLS1_3;
    else {
        tg_parse_error(ps, "min-protocol must be TLSv1.2 or TLSv1.3, not '%.60s'", v);
        return -1;
    }
    return 0;
}

static int parse_mode(struct tg_parser *ps, const char *name, const char *v, void *dst)
{
    (void)name;
    if (strcmp(v, "enforce") == 0)
        *(enum tg_mode *)dst = TG_MODE_ENFORCE;
    else if (strcmp(v, "audit") == 0)
        *(enum tg_mode *)dst = TG_MODE_AUDIT;
    else {
        tg_parse_error(ps, "mode must be enforce or audit, not '%.60s'", v);
        return -1;
    }
    return 0;
}

static int parse_yesno(struct tg_parser *ps, const char *name, const char *v, void *dst)
{
    if (strcmp(v, "yes") == 0)
        *(int *)dst = 1;
    else if (strcmp(v, "no") == 0)
        *(int *)dst = 0;
    else {
        tg_parse_error(ps, "%s must be yes or no, not '%.60s'", name, v);
        return -1;
    }
    return 0;
}

/* A copy of v in the policy, or NULL after reporting no memory. */
static const char *keep(struct tg_parser *ps, const char *v)
{
    const char *s = tg_policy_strdup(ps->p, v, strlen(v));

    if (s == NULL)
        tg_parse_oom(ps);
    return s;
}

/* An absolute path: a relative one would resolve against whatever directory
 * the program runs in, letting it add trust anchors. */
static int parse_path(struct tg_parser *ps, const char *name, const char *v, void *dst)
{
    const char *s;

    if (v[0] != '/') {
        tg_parse_error(ps, "%s must be an absolute path, not '%.60s'", name, v);
        return -1;
    }
    if ((s = keep(ps, v)) == NULL)
        return -1;
    *(const char **)dst = s;
    return 0;
}

/* Global only; sets both log_kind (at dst) and log_path.  The spelling is
 * log_dest.c's, shared with TLSGUARD_LOG and `tlsguard run --log`. */
static int parse_log(struct tg_parser *ps, const char *name, const char *v, void *dst)
{
    struct tg_global *g = &ps->p->global;
    enum tg_log_kind kind;

    (void)name;
    (void)dst;
    if (tg_log_dest_parse(v, &kind) != 0) {
        tg_parse_error(ps, "log must be stderr, syslog, none or an absolute path, not '%.60s'", v);
        return -1;
    }
    if (kind == TG_LOG_FILE && (g->log_path = keep(ps, v)) == NULL)
        return -1;
    g->log_kind = kind;
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (y >= 0). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DD -> unix time of 00:00 UTC the day after. */
static int parse_date(struct tg_parser *ps, const char *name, const char *v, void *dst)
{
    static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    unsigned y = 0, m, d, i;
    int leap;

    for (i = 0; i < 10; i++) {
        int want_dash = i == 4 || i == 7;

        if (v[i] == '\0' || (want_dash ? v[i] != '-' : (v[i] < '0' || v[i] > '9')))
            break;
    }
    if (i != 10 || v[10] != '\0') {
        tg_parse_error(ps, "%s must be a date YYYY-MM-DD, not '%.60s'", name, v);
        return -1;
    }
    for (i = 0; i < 4; i++)
        y = y * 10 + (unsigned)(v[i] - '0');
    m = (unsigned)(v[5] - '0') * 10 + (unsigned)(v[6] - '0');
    d = (unsigned)(v[8] - '0') * 10 + (unsigned)(v[9] - '0');
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) {
        tg_parse_error(ps, "%s: %.60s is not a valid calendar date (1970 or later)", name, v);
        return -1;
    }
    *(long long *)dst = (days_from_civil(y, m, d) + 1) * 86400;
    return 0;
}

/* "sha256/" + base64 of 32 bytes into raw; 0, or -1 after an error. */
static int decode_pin(struct tg_parser *ps, const char *v, unsigned char raw[48])
{
    size_t n, vlen = strlen(v), plen = strlen(PIN_PREFIX);
    int r;

    if (vlen < plen || memcmp(v, PIN_PREFIX, plen) != 0) {
        tg_parse_error(ps, PIN_MSG ", not '%.60s'", v);
        return -1;
    }
    r = tg_base64_decode(v + plen, vlen - plen, raw, 48, &n);
    if (r == -1) {
        tg_parse_error(ps, "pin '%.60s' is not valid base64: " PIN_MSG, v);
        return -1;
    }
    if (r != 0) {
        tg_parse_error(ps, PIN_MSG " (this one is longer)");
        return -1;
    }
    if (n != 32) {
        tg_parse_error(ps, PIN_MSG " (this one decodes to %zu bytes)", n);
        return -1;
    }
    return 0;
}

/* One more pin for the current block.  The pins live in tg_policy.pins,
 * which may still move: the block's values.pins is set once parsing ends. */
static int parse_pin(struct tg_parser *ps, const char *name, const char *v, void *dst)
{
    struct tg_policy *p = ps->p;
    struct tg_block *b = ps->cur;
    unsigned char raw[48];
    size_t i;

    (void)name;
    (void)dst;
    if (decode_pin(ps, v, raw) != 0)
        return -1;
    for (i = 0; i < b->values.pin_count; i++) {
        if (memcmp(p->pins[b->pin_off + i].sha256, raw, 32) == 0) {
            tg_policy_diag(ps->d, ps->line, 1, "duplicate pin in this host block: ignored");
            return 0;
        }
    }
    if (b->values.pin_count >= MAX_PINS_PER_BLOCK) {
        tg_parse_error(ps, "too many pins in one host block (at most %d)", MAX_PINS_PER_BLOCK);
        return -1;
    }
    if (tg_parse_grow(ps, (void **)&p->pins, &p->pins_cap, p->npins, sizeof(*p->pins)) != 0)
        return -1;
    memcpy(p->pins[p->npins++].sha256, raw, 32);
    b->values.pin_count++;
    return 0;
}

const struct tg_value_type_def tg_value_types[TG_T_COUNT] = {
    [TG_T_PROTOCOL] = { .parse = parse_protocol, .size = sizeof(int) },
    [TG_T_MODE] = { .parse = parse_mode, .size = sizeof(enum tg_mode) },
    [TG_T_PATH] = { .parse = parse_path, .size = sizeof(const char *) },
    [TG_T_YESNO] = { .parse = parse_yesno, .size = sizeof(int) },
    [TG_T_DATE] = { .parse = parse_date, .size = sizeof(long long) },
    [TG_T_PIN] = { .parse = parse_pin, .size = 0 },
    [TG_T_LOG] = { .parse = parse_log, .size = sizeof(enum tg_log_kind) },
};

/* ---- defaults and lookups --------------------------------------------- */

void tg_settings_defaults(struct tg_global *g, struct tg_host_settings *host)
{
    int s;

    memset(g, 0, sizeof(*g));
    memset(host, 0, sizeof(*host));
    for (s = 0; s < TG_SET_COUNT; s++) {
        const struct tg_setting_def *r = &tg_setting_table[s];
        size_t size = tg_value_types[r->type].size;

        /* union tg_value's members all start at its first byte */
        if (r->in_host || r->global == TG_G_DEFAULT)
            memcpy((char *)host + r->host_off, &r->def, size);
        if (r->global == TG_G_OWN)
            memcpy((char *)g + r->global_off, &r->def, size);
    }
    host->block_index = -1;
}

int tg_block_supplies(const struct tg_block *b, enum tg_setting s)
{
    int m;

    if (!tg_setting_leads(s))
        return 0;
    for (m = 0; m < TG_SET_HOST_COUNT; m++) {
        const struct tg_setting_def *r = &tg_setting_table[m];

        if ((m == (int)s || (r->member && r->leader == s)) && !r->inert && b->set_line[m] != 0)
            return 1;
    }
    return 0;
}
