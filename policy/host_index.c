/*
 * The host index: finds the settings for a host name without scanning every
 * block, and the linear reference lookup it is tested against.  Both choose
 * blocks per leading setting of the table in setting_table.c and resolve from it.
 *
 * The index is one open-addressing table keyed by (kind, key), where key is
 * the pattern without its wildcard.  A name matches exact entries under its
 * full text, "*." entries under the text after its first label, and "**."
 * entries under each suffix that starts a label, so a lookup probes at most
 * one slot per label.  Hashing runs from the end of the name, so the hashes
 * of all its suffixes come out of one pass.  A slot points at the first
 * pattern with its (kind, key), which records, per setting, the first block
 * (in file order) with that pattern that sets it; the minimum over the
 * matching slots is the first matching block that sets it, whatever the
 * kinds of the patterns involved.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <string.h>

#include "policy_int.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME  16777619u

static uint32_t hash_step(uint32_t h, unsigned char c)
{
    return (h ^ tg_host_lower(c)) * FNV_PRIME;
}

/* Mix the kind into a suffix hash, and spread the bits (murmur3's fmix32). */
static uint32_t hash_final(uint32_t h, enum tg_pat_kind kind)
{
    h ^= 0x9e3779b9u * ((uint32_t)kind + 1);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

uint32_t tg_host_key_hash(enum tg_pat_kind kind, const char *key, size_t len)
{
    uint32_t h = FNV_OFFSET;

    while (len-- > 0)
        h = hash_step(h, (unsigned char)key[len]);
    return hash_final(h, kind);
}

/* Record in first, the first pattern of its (kind, key), what block b
 * supplies that no earlier block with the pattern did. */
static void note_supplies(struct tg_pattern *first, const struct tg_block *b, int32_t block)
{
    uint32_t bits;

    /* Over the bits set only: a block supplies one or two settings, mostly. */
    for (bits = b->supplies; bits != 0; bits &= bits - 1) {
        int s = __builtin_ctz(bits);

        if (first->first[s] < 0)
            first->first[s] = block;
    }
}

/* The slot of pat's (kind, key): its first pattern, new or found. */
static struct tg_pattern *slot_for(struct tg_policy *p, size_t i)
{
    struct tg_pattern *pat = &p->pats[i], *first;
    const char *key = pat->text + TG_PAT_PREFIX(pat->kind);
    size_t j;

    for (j = pat->hash & p->slot_mask;; j = (j + 1) & p->slot_mask) {
        struct tg_slot *s = &p->slots[j];

        if (s->pat == 0) {
            s->hash = pat->hash;
            s->pat = (uint32_t)i + 1;
            memset(pat->first, 0xff, sizeof(pat->first)); /* all -1 */
            return pat;
        }
        first = &p->pats[s->pat - 1];
        if (s->hash == pat->hash && first->kind == pat->kind && first->keylen == pat->keylen &&
            memcmp(first->text + TG_PAT_PREFIX(first->kind), key, pat->keylen) == 0)
            return first;
    }
}

int tg_policy_build_index(struct tg_policy *p)
{
    size_t size = 16, i;

    while (size < 2 * p->npats)
        size <<= 1;
    if (p->slots != NULL)
        tg_policy_mem_free(p->slots, (p->slot_mask + 1) * sizeof(*p->slots));
    p->slots = tg_policy_mem_alloc(size * sizeof(*p->slots)); /* zeroed */
    if (p->slots == NULL)
        return -1;
    p->slot_mask = size - 1;
    for (i = 0; i < p->npats; i++) {
        int32_t block = p->pats[i].block;

        /* The slots are visited in random order: ask for one a few
		 * patterns ahead, so that the cache misses overlap. */
        if (i + 8 < p->npats)
            __builtin_prefetch(&p->slots[p->pats[i + 8].hash & p->slot_mask], 1);
        /* Patterns are in block order: the first block to supply a setting is the first. */
        note_supplies(slot_for(p, i), &p->blocks[block], block);
    }
    return 0;
}

/* The first matching block, overall and per leading setting; INT_MAX: none yet. */
struct best {
    int any;
    int set[TG_SET_HOST_COUNT];
};

static void best_init(struct best *best)
{
    int s;

    best->any = INT_MAX;
    for (s = 0; s < TG_SET_HOST_COUNT; s++)
        best->set[s] = INT_MAX;
}

static void take_min(int *have, int cand)
{
    if (cand >= 0 && cand < *have)
        *have = cand;
}

static void probe(const struct tg_policy *p, enum tg_pat_kind kind, const char *s, size_t len,
                  uint32_t suffix_hash, struct best *best)
{
    uint32_t h = hash_final(suffix_hash, kind);
    size_t j = h & p->slot_mask;
    const struct tg_slot *slot;
    int k;

    for (; (slot = &p->slots[j])->pat != 0; j = (j + 1) & p->slot_mask) {
        const struct tg_pattern *first = &p->pats[slot->pat - 1];

        if (slot->hash == h && first->kind == kind &&
            tg_host_ieq(s, len, first->text + TG_PAT_PREFIX(kind), first->keylen)) {
            take_min(&best->any, first->block);
            for (k = 0; k < TG_SET_HOST_COUNT; k++)
                take_min(&best->set[k], first->first[k]);
            return;
        }
    }
}

/* Each group of fields from its chosen block, else from the defaults. */
static void resolve(const struct tg_policy *p, const struct best *best,
                    struct tg_host_settings *out)
{
    int s;

    /* Every byte comes from zeroed storage, so two results compare with memcmp. */
    memcpy(out, &p->defaults, sizeof(*out));
    for (s = 0; s < TG_SET_HOST_COUNT; s++) /* only leading settings are ever found */
        if (best->set[s] != INT_MAX)
            tg_setting_take((enum tg_setting)s, out, &p->blocks[best->set[s]]);
    if (best->any != INT_MAX) {
        out->block_index = best->any;
        out->block_line = p->blocks[best->any].line;
    }
}

void tg_policy_lookup(const struct tg_policy *p, const char *host, struct tg_host_settings *out)
{
    struct best best;
    char v6buf[INET6_ADDRSTRLEN];
    const char *h, *dot;
    size_t len, i, one_at = 0;
    uint32_t hash = FNV_OFFSET;
    int is_ip6;

    best_init(&best);
    h = tg_host_normalize(host, &len, v6buf, &is_ip6);
    /* "*." keys start after the first label, if that label is not empty. */
    dot = memchr(h, '.', len);
    if (dot != NULL && dot != h)
        one_at = (size_t)(dot - h) + 1;
    for (i = len; i-- > 0;) {
        hash = hash_step(hash, (unsigned char)h[i]);
        if (i > 0 && h[i - 1] != '.')
            continue;
        if (i == 0)
            probe(p, TG_PAT_EXACT, h, len, hash, &best);
        if (is_ip6)
            continue;
        probe(p, TG_PAT_ANY, h + i, len - i, hash, &best);
        if (i == one_at && i > 0)
            probe(p, TG_PAT_ONE, h + i, len - i, hash, &best);
    }
    resolve(p, &best, out);
}

void tg_policy_lookup_linear(const struct tg_policy *p, const char *host,
                             struct tg_host_settings *out)
{
    struct best best;
    size_t bi, k;
    int s;

    best_init(&best);
    for (bi = 0; bi < p->nblocks; bi++) {
        const struct tg_block *b = &p->blocks[bi];
        int matched = 0;

        for (k = 0; k < b->pat_count && !matched; k++)
            matched = tg_host_pattern_match(p->pats[b->pat_off + k].text, host) == 1;
        if (!matched)
            continue;
        take_min(&best.any, (int)bi);
        /* From the table, not the index's precomputed b->supplies. */
        for (s = 0; s < TG_SET_HOST_COUNT; s++)
            if (tg_block_supplies(b, (enum tg_setting)s))
                take_min(&best.set[s], (int)bi);
    }
    resolve(p, &best, out);
}
