/*
 * The policy's settings as one table: every directive but `host` is a row
 * of tg_setting_table[] (setting_table.c), indexed by enum tg_setting.  The row says
 * what the directive is called, what type its value has (which parser and
 * how many bytes), its built-in default, where it is allowed, and where its
 * value lands.  The parser, the defaults, the host index and the linear
 * reference lookup all work from the table, so a new per-host setting is a
 * field in struct tg_host_settings (policy.h), an enum entry below and a row.
 */
#ifndef TG_SETTING_TABLE_H
#define TG_SETTING_TABLE_H

#include <stddef.h>

#include "policy.h"

/* Host-block settings first: their index is also their slot in the
 * per-block and per-pattern arrays sized TG_SET_HOST_COUNT. */
enum tg_setting {
    TG_SET_MIN_PROTOCOL,
    TG_SET_MODE,
    TG_SET_PIN,
    TG_SET_PIN_EXPIRES,
    TG_SET_CA_FILE,
    TG_SET_CA_DIR,
    TG_SET_HOST_COUNT,
    /* global only */
    TG_SET_LOG = TG_SET_HOST_COUNT,
    TG_SET_LOG_ALLOWED,
    TG_SET_COUNT
};

/* Value types: a parser and the size of what it writes. */
enum tg_value_type {
    TG_T_PROTOCOL, /* int: TLSv1.2 | TLSv1.3 */
    TG_T_MODE,     /* enum tg_mode: enforce | audit */
    TG_T_PATH,     /* const char *: an absolute path, kept in the policy */
    TG_T_YESNO,    /* int: yes | no */
    TG_T_DATE,     /* long long: YYYY-MM-DD as the unix time the day after ends */
    TG_T_PIN,      /* appends to the block's pins (repeatable) */
    TG_T_LOG,      /* struct tg_global's log_kind and log_path together */
    TG_T_COUNT
};

/* Where a line at global scope (before the first `host`) puts the value. */
enum tg_global_use {
    TG_G_NONE,    /* not allowed at global scope */
    TG_G_DEFAULT, /* the value host lookups fall back to (host_off) */
    TG_G_OWN      /* a global setting of its own in struct tg_global (global_off) */
};

struct tg_parser;

/* Parse arg (what follows the directive) into dst; 0, or -1 after an error. */
typedef int (*tg_value_parse_fn)(struct tg_parser *ps, const char *name, const char *arg,
                                 void *dst);

struct tg_value_type_def {
    tg_value_parse_fn parse;
    size_t size; /* bytes a default copies; 0: the default is all zero */
};

union tg_value {
    int i;
    long long ll;
    const char *s;
};

struct tg_setting_def {
    const char *name; /* the directive */
    enum tg_value_type type;
    union tg_value def;      /* built-in default */
    unsigned in_host : 1;    /* allowed inside a host block (value at host_off) */
    unsigned repeatable : 1; /* else a second line in the same scope is an error */
    unsigned member : 1;     /* taken together with `leader`'s value, from its block */
    unsigned inert : 1;      /* a member that does not by itself make a block supply
	                               the group (pin-expires without pin has no effect) */
    enum tg_global_use global;
    enum tg_setting leader; /* when member */
    size_t host_off;        /* in struct tg_host_settings */
    size_t global_off;      /* in struct tg_global, when global is TG_G_OWN */
    /* Leaders: the bytes of struct tg_host_settings a lookup takes from the
	 * block chosen for this setting; 0: just the value at host_off. */
    size_t take_off, take_len;
    /* Leaders: an int field of struct tg_host_settings that receives the
	 * `host` line of that block, when has_line_off (ca_line). */
    unsigned has_line_off : 1;
    size_t line_off;
};

extern const struct tg_setting_def tg_setting_table[TG_SET_COUNT];
extern const struct tg_value_type_def tg_value_types[TG_T_COUNT];

/* Does setting s lead its own group (host lookups choose a block for it)? */
static inline int tg_setting_leads(enum tg_setting s)
{
    return s < TG_SET_HOST_COUNT && !tg_setting_table[s].member;
}

/* The built-in defaults into a policy's global settings and host defaults. */
void tg_settings_defaults(struct tg_global *g, struct tg_host_settings *host);

#endif /* TG_SETTING_TABLE_H */
