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

/* Length of the wildcard prefix of a pattern's text: "", "*." or "**.". */
#define TG_PAT_PREFIX(kind) ((kind) == TG_PAT_ANY ? 3u : (kind) == TG_PAT_ONE ? 2u : 0u)

struct tg_pattern {
	const char *text;     /* normalised: lower case, canonical IPv6, with "*." / "**." */
	uint32_t hash;        /* tg_host_key_hash(kind, key) */
	uint16_t keylen;      /* the key (text without the prefix) is text + TG_PAT_PREFIX(kind) */
	uint8_t kind;         /* enum tg_pat_kind */
	int32_t block;
	/* Filled by the index in the first pattern of each distinct (kind, key):
	 * the first block with that pattern that sets each setting, or -1. */
	int32_t first_minproto, first_mode, first_pins, first_ca;
};

struct tg_block {
	int32_t line;
	int32_t min_protocol;       /* 0: not set */
	int32_t mode;               /* -1: not set, else enum tg_mode */
	uint32_t pin_off, pin_count;  /* into tg_policy.pins */
	uint32_t pat_off, pat_count;  /* into tg_policy.pats */
	long long pins_expire_at;   /* -1: not set */
	const char *ca_file;        /* per-host anchors (absolute paths), NULL: not set */
	const char *ca_dir;
	int32_t ca_file_line, ca_dir_line;  /* where they were set, 0: not set */
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
	int32_t global_ca_file_line, global_ca_dir_line;  /* 0: not set */
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
void *tg_policy_mem_alloc(size_t size);
void tg_policy_mem_free(void *ptr, size_t size);
int tg_policy_mem_reserve(void **arr, size_t *cap, size_t n, size_t want, size_t elsize);
struct tg_policy *tg_policy_alloc(void);
int tg_policy_arena_reserve(struct tg_policy *p, size_t size);
char *tg_policy_strdup(struct tg_policy *p, const char *s, size_t len);
void tg_policy_diags_init(struct tg_diags *d, const char *file);
void tg_policy_diag(struct tg_diags *d, int line, int is_warning, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* hostmatch.c */
int tg_host_pattern_parse(const char *pat, size_t len, enum tg_pat_kind *kind,
                          char *key, size_t *keylen, const char **why);
uint32_t tg_host_key_hash(enum tg_pat_kind kind, const char *key, size_t len);
int tg_policy_build_index(struct tg_policy *p);

#endif /* TG_POLICY_INT_H */
