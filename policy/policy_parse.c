/*
 * The policy-file parser: text -> struct tg_policy, or every error found.
 *
 * One directive per line, arguments separated by spaces or tabs, '#' at the
 * start of a word begins a comment.  A `host` line starts a block that ends
 * at the next `host` line or at the end of the file; indentation carries no
 * meaning.  Keywords and values are case-sensitive.  In a security policy a
 * typo must not be skipped, so anything unknown is an error.  Every
 * directive but `host` is a row of the settings table (setting_table.c), which
 * says where it is allowed, how its value parses and where it lands.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

void tg_parse_error(struct tg_parser *ps, const char *fmt, ...)
{
    char msg[sizeof(((struct tg_diag *)0)->message)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tg_policy_diag(ps->d, ps->line, 0, "%s", msg);
}

void tg_parse_oom(struct tg_parser *ps)
{
    if (!ps->oom)
        tg_policy_diag(ps->d, ps->line, 0, "out of memory");
    ps->oom = 1;
}

/* Make room for one more element in a growable array. */
int tg_parse_grow(struct tg_parser *ps, void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    if (tg_policy_mem_reserve(arr, cap, n, *cap ? *cap * 2 : 16, size) != 0) {
        tg_parse_oom(ps);
        return -1;
    }
    return 0;
}

/* ---- host blocks ------------------------------------------------------ */

/* Warnings about a host block, once it is complete. */
static void finish_block(struct tg_parser *ps)
{
    struct tg_block *b = ps->cur;

    if (b == NULL)
        return;
    if (b->values.pin_count == 1)
        tg_policy_diag(ps->d, b->line, 1,
                       "host block has a single pin: add a backup pin, "
                       "or a key rotation will lock clients out");
    if (b->values.pin_count == 0 && b->values.pins_expire_at >= 0)
        tg_policy_diag(ps->d, b->line, 1,
                       "host block has pin-expires but no pin: it has no effect");
}

/* One pattern of the current `host` line into the policy. */
static int add_pattern(struct tg_parser *ps, const char *word)
{
    char key[TG_HOST_MAX + 1], text[TG_HOST_MAX + 4];
    struct tg_policy *p = ps->p;
    struct tg_pattern *pat;
    enum tg_pat_kind kind;
    const char *why;
    size_t keylen, plen;

    if (tg_host_pattern_parse(word, strlen(word), &kind, key, &keylen, &why) != 0) {
        tg_parse_error(ps, "invalid host pattern '%.80s': %s", word, why);
        return 0;
    }
    plen = TG_PAT_PREFIX(kind);
    memcpy(text, kind == TG_PAT_ONE ? "*." : "**.", plen);
    memcpy(text + plen, key, keylen);
    if (tg_parse_grow(ps, (void **)&p->pats, &p->pats_cap, p->npats, sizeof(*p->pats)) != 0)
        return -1;
    pat = &p->pats[p->npats];
    pat->text = tg_policy_strdup(p, text, plen + keylen);
    if (pat->text == NULL) {
        tg_parse_oom(ps);
        return -1;
    }
    pat->hash = tg_host_key_hash(kind, key, keylen);
    pat->keylen = (uint16_t)keylen;
    pat->kind = (uint8_t)kind;
    pat->block = (int32_t)p->nblocks;
    p->npats++;
    p->blocks[p->nblocks].pat_count++;
    return 0;
}

static void do_host(struct tg_parser *ps, char **argv, int argc)
{
    struct tg_policy *p = ps->p;
    struct tg_block *b;
    int i;

    finish_block(ps);
    ps->cur = NULL;
    if (tg_parse_grow(ps, (void **)&p->blocks, &p->blocks_cap, p->nblocks, sizeof(*p->blocks)) != 0)
        return;
    b = &p->blocks[p->nblocks];
    memset(b, 0, sizeof(*b));
    memcpy(&b->values, &ps->unset, sizeof(b->values));
    b->line = ps->line;
    b->pin_off = (uint32_t)p->npins;
    b->pat_off = (uint32_t)p->npats;
    /* The block exists even when its patterns are bad, so that the lines
	 * after it are checked in the right scope instead of cascading. */
    ps->cur = b;
    if (argc < 2)
        tg_parse_error(ps, "host needs at least one pattern");
    for (i = 1; i < argc; i++)
        if (add_pattern(ps, argv[i]) != 0)
            return;
    p->nblocks++;
}

/* ---- directives ------------------------------------------------------- */

/* Where the value of setting s goes in the current scope. */
static void *value_at(struct tg_parser *ps, const struct tg_setting_def *r)
{
    if (ps->cur != NULL)
        return (char *)&ps->cur->values + r->host_off;
    if (r->global == TG_G_DEFAULT)
        return (char *)&ps->p->defaults + r->host_off;
    return (char *)&ps->p->global + r->global_off;
}

/* Is setting r allowed here, with argc words?  Reports why not. */
static int allowed(struct tg_parser *ps, const struct tg_setting_def *r, int argc)
{
    if (ps->cur != NULL && !r->in_host) {
        tg_parse_error(ps,
                       "directive %s is not allowed inside a host block "
                       "(global directives go before the first host line)",
                       r->name);
        return 0;
    }
    if (ps->cur == NULL && r->global == TG_G_NONE) {
        tg_parse_error(ps, "directive %s is only allowed inside a host block", r->name);
        return 0;
    }
    if (argc > 2) {
        tg_parse_error(ps, "%s takes exactly one argument", r->name);
        return 0;
    }
    if (argc < 2) {
        tg_parse_error(ps, "%s needs an argument", r->name);
        return 0;
    }
    return 1;
}

static void parse_words(struct tg_parser *ps, int argc)
{
    char **argv = ps->argv;
    const struct tg_setting_def *r = NULL;
    int32_t *seen;
    int s;

    if (argv[0][0] == 'h' && strcmp(argv[0], "host") == 0) {
        do_host(ps, argv, argc);
        return;
    }
    for (s = 0; s < TG_SET_COUNT; s++) {
        if (argv[0][0] == tg_setting_table[s].name[0] &&
            strcmp(argv[0], tg_setting_table[s].name) == 0) {
            r = &tg_setting_table[s];
            break;
        }
    }
    if (r == NULL) {
        tg_parse_error(ps, "unknown directive '%.60s'", argv[0]);
        return;
    }
    if (!allowed(ps, r, argc))
        return;
    seen = ps->cur != NULL ? &ps->cur->set_line[s] : &ps->p->global_line[s];
    if (!r->repeatable && *seen != 0) {
        tg_parse_error(ps, "duplicate %s%s (first set on line %d)", r->name,
                       ps->cur != NULL ? " in this host block" : "", (int)*seen);
        return;
    }
    if (*seen == 0)
        *seen = ps->line;
    /* What the block now supplies (tg_block_supplies says the same from
	 * set_line; the index wants it at hand). */
    if (ps->cur != NULL && !r->inert)
        ps->cur->supplies |= 1u << (r->member ? r->leader : (enum tg_setting)s);
    tg_value_types[r->type].parse(ps, r->name, argv[1], value_at(ps, r));
}

/* ---- lines ------------------------------------------------------------ */

static void report_nul(struct tg_parser *ps)
{
    if (!ps->saw_nul)
        tg_parse_error(ps, "the policy contains a NUL byte");
    ps->saw_nul = 1;
}

static void parse_line(struct tg_parser *ps, const char *s, size_t len, int clean)
{
    int argc;

    if (len > TG_POLICY_MAX_LINE) {
        tg_parse_error(ps, "line is longer than %d bytes", TG_POLICY_MAX_LINE);
        if (!clean && memchr(s, '\0', len) != NULL)
            report_nul(ps);
        return;
    }
    if (!clean) {
        size_t i = tg_policy_first_control(s, len);

        if (memchr(s + i, '\0', len - i) != NULL)
            report_nul(ps);
        else
            tg_parse_error(ps, "line contains a control character (0x%02x)", (unsigned char)s[i]);
        return;
    }
    memcpy(ps->buf, s, len);
    ps->buf[len] = '\0';
    argc = tg_policy_split_words(ps);
    if (argc > 0)
        parse_words(ps, argc);
}

/* Once every line is read: the pins no longer move, so blocks can point at
 * theirs; then the index. */
static void finish(struct tg_parser *ps)
{
    struct tg_policy *p = ps->p;
    size_t i;

    finish_block(ps);
    for (i = 0; i < p->nblocks; i++)
        if (p->blocks[i].values.pin_count > 0)
            p->blocks[i].values.pins = &p->pins[p->blocks[i].pin_off];
    if (ps->d->errors == 0 && tg_policy_build_index(p) != 0)
        tg_policy_diag(ps->d, 0, 0, "out of memory");
}

static struct tg_policy *parse(struct tg_parser *ps, const char *text, size_t len)
{
    size_t pos = 0;

    /* The limit keeps every count and offset small (and matches the file loader). */
    if (len > TG_POLICY_MAX_FILE) {
        tg_policy_diag(ps->d, 0, 0, "refusing policy: larger than 4 MiB");
        return NULL;
    }
    tg_policy_presize(ps, text, len);
    while (pos < len && !ps->oom) {
        size_t n, next;
        int clean = tg_policy_next_line(text + pos, len - pos, &n, &next) == 0;

        ps->line++;
        parse_line(ps, text + pos, n, clean);
        pos += next;
    }
    if (!ps->oom)
        finish(ps);
    return ps->d->errors == 0 ? ps->p : NULL;
}

struct tg_policy *tg_policy_parse(const char *text, size_t len, const char *file,
                                  struct tg_diags *out)
{
    struct tg_diags local;
    struct tg_diags *d = out != NULL ? out : &local;
    struct tg_parser *ps;
    struct tg_policy *p = NULL;

    tg_policy_diags_init(d, file);
    /* Only the fields before the line buffer need zeroing: buf and argv
     * (20 KiB) are written before they are read, and clearing them cost a
     * process that parses the empty default policy ~20 k instructions. */
    ps = malloc(sizeof(*ps));
    if (ps != NULL) {
        memset(ps, 0, offsetof(struct tg_parser, buf));
        ps->p = tg_policy_alloc();
    }
    if (ps == NULL || ps->p == NULL) {
        tg_policy_diag(d, 0, 0, "out of memory");
    } else {
        ps->d = d;
        tg_settings_defaults(&ps->p->global, &ps->unset);
        memcpy(&ps->p->defaults, &ps->unset, sizeof(ps->unset));
        p = parse(ps, text, len);
        if (p == NULL)
            tg_policy_free(ps->p);
    }
    free(ps);
    if (d == &local)
        tg_diags_free(&local);
    return p;
}

/* The built-in defaults are what an empty policy says. */
struct tg_policy *tg_policy_default(void)
{
    return tg_policy_parse("", 0, NULL, NULL);
}
