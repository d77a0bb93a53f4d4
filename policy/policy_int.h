/*
 * Internals of the policy module, shared by its files only.
 */
#ifndef TG_POLICY_INT_H
#define TG_POLICY_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "policy.h"
#include "setting_table.h"

/* Longest host name or pattern suffix kept (DNS: 253 characters). */
#define TG_HOST_MAX 253

enum tg_pat_kind {
    TG_PAT_EXACT = 0,
    TG_PAT_ONE = 1,
    TG_PAT_ANY = 2
};

/* Length of the wildcard prefix of a pattern's text: "", "*." or "**.". */
#define TG_PAT_PREFIX(kind) ((kind) == TG_PAT_ANY ? 3u : (kind) == TG_PAT_ONE ? 2u : 0u)

struct tg_pattern {
    const char *text; /* normalised: lower case, canonical IPv6, with "*." / "**." */
    uint32_t hash;    /* tg_host_key_hash(kind, key) */
    uint16_t keylen;  /* the key (text without the prefix) is text + TG_PAT_PREFIX(kind) */
    uint8_t kind;     /* enum tg_pat_kind */
    int32_t block;
    /* Filled by the index in the first pattern of each distinct (kind, key):
	 * per leading setting, the first block with that pattern that supplies
	 * it, or -1. */
    int32_t first[TG_SET_HOST_COUNT];
};

struct tg_block {
    int32_t line;
    uint32_t supplies;                   /* bit s: the block supplies leading setting s */
    int32_t set_line[TG_SET_HOST_COUNT]; /* where each setting was set, 0: not set */
    uint32_t pin_off;                    /* its pins in tg_policy.pins (values.pin_count of them) */
    uint32_t pat_off, pat_count;         /* into tg_policy.pats */
    /* What the block sets, over the built-in defaults; a lookup takes each
	 * group of fields from the first matching block that supplies it. */
    struct tg_host_settings values;
};

/* One slot of the open-addressing index: the hash of a (kind, key) and its
 * first pattern, as an index into tg_policy.pats plus one (0: empty). */
struct tg_slot {
    uint32_t hash;
    uint32_t pat;
};

struct tg_arena_chunk;

struct tg_policy {
    struct tg_global global;
    struct tg_host_settings defaults;  /* what a name no block supplies gets */
    int32_t global_line[TG_SET_COUNT]; /* where each was set at global scope, 0: not */
    struct tg_block *blocks;
    size_t nblocks, blocks_cap;
    struct tg_pattern *pats;
    size_t npats, pats_cap;
    struct tg_pin *pins;
    size_t npins, pins_cap;
    struct tg_slot *slots; /* open addressing, size a power of two */
    size_t slot_mask;
    struct tg_arena_chunk *arena;
};

/* The parser's state, shared with the value parsers of setting_table.c. */
struct tg_parser {
    struct tg_policy *p;
    struct tg_diags *d;
    int line;
    int oom;
    int saw_nul;
    struct tg_block *cur;          /* current host block, NULL at global scope */
    struct tg_host_settings unset; /* a new block's values: the built-in defaults */
    /* Last, and left unzeroed by tg_policy_parse: written before read. */
    char buf[TG_POLICY_MAX_LINE + 1];
    char *argv[TG_POLICY_MAX_LINE / 2 + 1];
};

/* policy_parse.c */
void tg_parse_error(struct tg_parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void tg_parse_oom(struct tg_parser *ps);
int tg_parse_grow(struct tg_parser *ps, void **arr, size_t *cap, size_t n, size_t size);

/* policy_lex.c */
size_t tg_policy_first_control(const char *s, size_t len);
int tg_policy_next_line(const char *s, size_t rest, size_t *len, size_t *next);
int tg_policy_split_words(struct tg_parser *ps);
void tg_policy_presize(struct tg_parser *ps, const char *text, size_t len);

/* policy.c */
void *tg_policy_mem_alloc(size_t size);
void tg_policy_mem_free(void *ptr, size_t size);
int tg_policy_mem_reserve(void **arr, size_t *cap, size_t n, size_t want, size_t elsize);
struct tg_policy *tg_policy_alloc(void);
int tg_policy_arena_reserve(struct tg_policy *p, size_t size);
char *tg_policy_strdup(struct tg_policy *p, const char *s, size_t len);
void tg_policy_diags_init(struct tg_diags *d, const char *file);
void tg_policy_diag(struct tg_diags *d, int line, int is_warning, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline unsigned char tg_host_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Do a (len bytes, any case) and key (klen bytes, lower case) match?
 * (Inline: the index calls it once per probe.) */
static inline int tg_host_ieq(const char *a, size_t len, const char *key, size_t klen)
{
    size_t i;

    if (len != klen)
        return 0;
    for (i = 0; i < len; i++)
        if (tg_host_lower((unsigned char)a[i]) != (unsigned char)key[i])
            return 0;
    return 1;
}

/* hostmatch.c */
int tg_host_pattern_parse(const char *pat, size_t len, enum tg_pat_kind *kind, char *key,
                          size_t *keylen, const char **why);
const char *tg_host_normalize(const char *host, size_t *len, char *v6buf, int *is_ip6);
int tg_host_match_parsed(enum tg_pat_kind kind, const char *key, size_t klen, const char *h,
                         size_t hlen, int is_ip6);

/* setting_table.c: does block b supply leading setting s (a member of its
 * group, not inert, was set)? */
int tg_block_supplies(const struct tg_block *b, enum tg_setting s);
/* Copy the fields leading setting s takes (its group's) from block b to dst.
 * (Inline: every lookup runs it per setting found.) */
static inline void tg_setting_take(enum tg_setting s, struct tg_host_settings *dst,
                                   const struct tg_block *b)
{
    const struct tg_setting_def *r = &tg_setting_table[s];
    size_t off = r->take_len ? r->take_off : r->host_off;
    size_t len = r->take_len ? r->take_len : tg_value_types[r->type].size;

    memcpy((char *)dst + off, (const char *)&b->values + off, len);
    if (r->has_line_off) {
        int line = b->line;

        memcpy((char *)dst + r->line_off, &line, sizeof(line));
    }
}

/* host_index.c */
uint32_t tg_host_key_hash(enum tg_pat_kind kind, const char *key, size_t len);
int tg_policy_build_index(struct tg_policy *p);

#endif /* TG_POLICY_INT_H */
