/*
 * Internals of the policy module, shared by its files only.
 */
#ifndef TG_POLICY_INT_H
#define TG_POLICY_INT_H

#include <stdarg.h>
#include <stdint.h>
#include "policy.h"

/* Longest host name or pattern suffix kept (DNS: 253 characters). */
#define TG_HOST_MAX 253

enum tg_pat_kind { TG_PAT_EXACT = 0, TG_PAT_ONE = 1, TG_PAT_ANY = 2 };

struct tg_pattern {
	const char *text;     /* normalised: lower case, canonical IPv6, with "*." / "**." */
	const char *key;      /* text without the wildcard prefix */
	size_t keylen;
	enum tg_pat_kind kind;
	int block;
};

struct tg_block {
	int line;
	int min_protocol;           /* 0: not set */
	int mode;                   /* -1: not set, else enum tg_mode */
	long long pins_expire_at;   /* -1: not set */
	size_t pin_off, pin_count;  /* into tg_policy.pins */
	size_t pat_off, pat_count;  /* into tg_policy.pats */
};

/* One hash-index slot: a (kind, key) and the first block using it per setting. */
struct tg_slot {
	const char *key;    /* NULL: empty slot */
	size_t keylen;
	uint32_t hash;
	enum tg_pat_kind kind;
	int first_any, first_minproto, first_mode, first_pins;
};

struct tg_arena_chunk;

struct tg_policy {
	struct tg_global global;
	struct tg_block *blocks;
	size_t nblocks, blocks_cap;
	struct tg_pattern *pats;
	size_t npats, pats_cap;
	struct tg_pin *pins;
	size_t npins, pins_cap;
	struct tg_slot *slots;      /* open addressing, size a power of two */
	size_t slot_mask;
	struct tg_arena_chunk *arena;
};

/* policy.c */
struct tg_policy *tg_policy_alloc(void);
char *tg_policy_strdup(struct tg_policy *p, const char *s, size_t len);
void tg_policy_diags_init(struct tg_diags *d, const char *file);
void tg_policy_diag(struct tg_diags *d, int line, int is_warning, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* hostmatch.c */
int tg_host_pattern_parse(const char *pat, size_t len, enum tg_pat_kind *kind,
                          char *key, size_t *keylen, const char **why);
int tg_policy_build_index(struct tg_policy *p);

#endif /* TG_POLICY_INT_H */
