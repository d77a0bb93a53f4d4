/*
 * Host patterns: validation, single-pattern matching, and the hash index
 * that finds the settings for a host name without scanning every block.
 *
 * Semantics (OkHttp's CertificatePinner rules), case-insensitive, one
 * trailing dot of the host ignored:
 *   example.com     exactly that name (or an IP address literal)
 *   *.example.com   one more label: a.example.com, not example.com, not a.b.example.com
 *   **.example.com  any number of labels, even none: example.com, a.b.example.com
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
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * s (len bytes, optionally in brackets) as a canonical IPv6 address in buf
 * (INET6_ADDRSTRLEN bytes).  Returns 0, or -1 if it is not an IPv6 address.
 */
static int
canonical_ipv6(const char *s, size_t len, char *buf)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	struct in6_addr a;

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1)
		return -1;
	if (inet_ntop(AF_INET6, &a, buf, INET6_ADDRSTRLEN) == NULL)
		return -1;
	return 0;
}

/*
 * Validate pattern pat (len bytes) and split it into its kind and its key,
 * normalised (lower case, canonical IPv6) into key, which has room for
 * TG_HOST_MAX + 1 bytes.  Returns 0, or -1 with *why saying what is wrong.
 */
int
tg_host_pattern_parse(const char *pat, size_t len, enum tg_pat_kind *kind,
                      char *key, size_t *keylen, const char **why)
{
	size_t i, label = 0;
	int numeric = 1;

	*kind = TG_PAT_EXACT;
	*keylen = 0;
	if (len == 0) {
		*why = "empty pattern";
		return -1;
	}
	if (memchr(pat, ':', len) != NULL || pat[0] == '[') {
		if (canonical_ipv6(pat, len, key) != 0) {
			*why = "not a valid IPv6 address";
			return -1;
		}
		*keylen = strlen(key);
		return 0;
	}
	if (len >= 3 && memcmp(pat, "**.", 3) == 0) {
		*kind = TG_PAT_ANY;
		pat += 3;
		len -= 3;
	} else if (len >= 2 && memcmp(pat, "*.", 2) == 0) {
		*kind = TG_PAT_ONE;
		pat += 2;
		len -= 2;
	} else if (pat[0] == '*') {
		*why = "a wildcard must be a leading '*.' or '**.' followed by a name";
		return -1;
	}
	if (len == 0) {
		*why = "no name after the wildcard";
		return -1;
	}
	if (len > TG_HOST_MAX) {
		*why = "longer than 253 characters";
		return -1;
	}
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? lower((unsigned char)pat[i]) : '.';

		if (c == '.') {
			if (label == 0) {
				*why = "empty label";
				return -1;
			}
			if (label > 63) {
				*why = "label longer than 63 characters";
				return -1;
			}
			if (i < len) {
				key[i] = '.';
				label = 0;
				numeric = 1;
			}
			continue;
		}
		if (c == '*') {
			*why = "'*' is only allowed at the start, as '*.' or '**.'";
			return -1;
		}
		if (!is_ldh(c)) {
			*why = "invalid character (allowed: letters, digits, '-', '.')";
			return -1;
		}
		if (c < '0' || c > '9')
			numeric = 0;
		label++;
		key[i] = (char)c;
	}
	if (*kind != TG_PAT_EXACT && numeric) {
		*why = "a wildcard cannot match an IP address (the last label is numeric)";
		return -1;
	}
	key[len] = '\0';
	*keylen = len;
	return 0;
}

const char *
tg_host_pattern_check(const char *pattern, size_t len)
{
	char key[TG_HOST_MAX + 1];
	enum tg_pat_kind kind;
	const char *why = NULL;
	size_t keylen;

	if (tg_host_pattern_parse(pattern, len, &kind, key, &keylen, &why) != 0)
		return why;
	return NULL;
}

/*
 * The name to match for host: NULL is "", one trailing dot dropped, an IPv6
 * address canonical (in v6buf).  Sets *is_ip6.
 */
static const char *
normalize_host(const char *host, size_t *len, char *v6buf, int *is_ip6)
{
	size_t n;

	*is_ip6 = 0;
	if (host == NULL) {
		*len = 0;
		return "";
	}
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	if (memchr(host, ':', n) != NULL && canonical_ipv6(host, n, v6buf) == 0) {
		*is_ip6 = 1;
		*len = strlen(v6buf);
		return v6buf;
	}
	*len = n;
	return host;
}

/* Do a (len bytes, any case) and key (klen bytes, lower case) match? */
static int
ieq(const char *a, size_t len, const char *key, size_t klen)
{
	size_t i;

	if (len != klen)
		return 0;
	for (i = 0; i < len; i++)
		if (lower((unsigned char)a[i]) != (unsigned char)key[i])
			return 0;
	return 1;
}

/* The matching rule itself, on a normalised host and a parsed pattern. */
static int
match_parsed(enum tg_pat_kind kind, const char *key, size_t klen,
             const char *h, size_t hlen, int is_ip6)
{
	size_t cut;

	if (kind == TG_PAT_EXACT)
		return ieq(h, hlen, key, klen);
	if (is_ip6)
		return 0;
	if (kind == TG_PAT_ANY && ieq(h, hlen, key, klen))
		return 1;
	/* Now h must be PREFIX "." key: for "*." PREFIX is one non-empty label;
	 * for "**." anything (even empty: ".a.b" has an empty label, and the
	 * index, which probes every suffix after a dot, agrees). */
	if (hlen <= klen)
		return 0;
	cut = hlen - klen;               /* h[cut - 1] must be the dot */
	if (h[cut - 1] != '.' || !ieq(h + cut, klen, key, klen))
		return 0;
	if (kind == TG_PAT_ONE)
		return cut >= 2 && memchr(h, '.', cut - 1) == NULL;
	return 1;
}

int
tg_host_pattern_match(const char *pattern, const char *host)
{
	char key[TG_HOST_MAX + 1], v6buf[INET6_ADDRSTRLEN];
	enum tg_pat_kind kind;
	const char *why, *h;
	size_t klen, hlen;
	int is_ip6;

	if (pattern == NULL ||
	    tg_host_pattern_parse(pattern, strlen(pattern), &kind, key, &klen, &why) != 0)
		return -1;
	h = normalize_host(host, &hlen, v6buf, &is_ip6);
	return match_parsed(kind, key, klen, h, hlen, is_ip6);
}

/* ---- the index -------------------------------------------------------- */

#define FNV_OFFSET 2166136261u
#define FNV_PRIME  16777619u

static uint32_t
hash_step(uint32_t h, unsigned char c)
{
	return (h ^ lower(c)) * FNV_PRIME;
}

/* Mix the kind into a suffix hash, and spread the bits (murmur3's fmix32). */
static uint32_t
hash_final(uint32_t h, enum tg_pat_kind kind)
{
	h ^= 0x9e3779b9u * ((uint32_t)kind + 1);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint32_t
tg_host_key_hash(enum tg_pat_kind kind, const char *key, size_t len)
{
	uint32_t h = FNV_OFFSET;

	while (len-- > 0)
		h = hash_step(h, (unsigned char)key[len]);
	return hash_final(h, kind);
}

int
tg_policy_build_index(struct tg_policy *p)
{
	size_t size = 16, i;

	while (size < 2 * p->npats)
		size <<= 1;
	if (p->slots != NULL)
		tg_policy_mem_free(p->slots, (p->slot_mask + 1) * sizeof(*p->slots));
	p->slots = tg_policy_mem_alloc(size * sizeof(*p->slots));   /* zeroed */
	if (p->slots == NULL)
		return -1;
	p->slot_mask = size - 1;
	for (i = 0; i < p->npats; i++) {
		struct tg_pattern *pat = &p->pats[i], *first;
		const struct tg_block *b = &p->blocks[pat->block];
		const char *key = pat->text + TG_PAT_PREFIX(pat->kind);
		uint32_t h = pat->hash;
		size_t j = h & p->slot_mask;

		/* The slots are visited in random order: ask for one a few
		 * patterns ahead, so that the cache misses overlap. */
		if (i + 8 < p->npats)
			__builtin_prefetch(&p->slots[p->pats[i + 8].hash & p->slot_mask], 1);

		for (;; j = (j + 1) & p->slot_mask) {
			struct tg_slot *s = &p->slots[j];

			if (s->pat == 0) {
				s->hash = h;
				s->pat = (uint32_t)i + 1;
				first = pat;
				first->first_minproto = first->first_mode = first->first_pins = first->first_ca = -1;
				break;
			}
			first = &p->pats[s->pat - 1];
			if (s->hash == h && first->kind == pat->kind && first->keylen == pat->keylen &&
			    memcmp(first->text + TG_PAT_PREFIX(first->kind), key, pat->keylen) == 0)
				break;
		}
		/* Patterns are in block order: the first block to fill a field is the first. */
		if (first->first_minproto < 0 && b->min_protocol != 0)
			first->first_minproto = pat->block;
		if (first->first_mode < 0 && b->mode >= 0)
			first->first_mode = pat->block;
		if (first->first_pins < 0 && b->pin_count > 0)
			first->first_pins = pat->block;
		if (first->first_ca < 0 && (b->ca_file != NULL || b->ca_dir != NULL))
			first->first_ca = pat->block;
	}
	return 0;
}

/* The first matching block per setting; INT_MAX: none yet. */
struct best {
	int any, minproto, mode, pins, ca;
};

static void
take_min(int *have, int cand)
{
	if (cand >= 0 && cand < *have)
		*have = cand;
}

static void
probe(const struct tg_policy *p, enum tg_pat_kind kind, const char *s, size_t len,
      uint32_t suffix_hash, struct best *best)
{
	uint32_t h = hash_final(suffix_hash, kind);
	size_t j = h & p->slot_mask;
	const struct tg_slot *slot;

	for (; (slot = &p->slots[j])->pat != 0; j = (j + 1) & p->slot_mask) {
		const struct tg_pattern *first = &p->pats[slot->pat - 1];

		if (slot->hash == h && first->kind == kind &&
		    ieq(s, len, first->text + TG_PAT_PREFIX(kind), first->keylen)) {
			take_min(&best->any, first->block);
			take_min(&best->minproto, first->first_minproto);
			take_min(&best->mode, first->first_mode);
			take_min(&best->pins, first->first_pins);
			take_min(&best->ca, first->first_ca);
			return;
		}
	}
}

static void
resolve(const struct tg_policy *p, const struct best *best, struct tg_host_settings *out)
{
	const struct tg_block *b;

	out->min_protocol = p->global.min_protocol;
	out->mode = p->global.mode;
	out->pins = NULL;
	out->pin_count = 0;
	out->pins_expire_at = -1;
	out->ca_file = NULL;
	out->ca_dir = NULL;
	out->ca_line = 0;
	out->block_index = -1;
	out->block_line = 0;
	if (best->any != INT_MAX) {
		out->block_index = best->any;
		out->block_line = p->blocks[best->any].line;
	}
	if (best->minproto != INT_MAX)
		out->min_protocol = p->blocks[best->minproto].min_protocol;
	if (best->mode != INT_MAX)
		out->mode = (enum tg_mode)p->blocks[best->mode].mode;
	if (best->pins != INT_MAX) {
		b = &p->blocks[best->pins];
		out->pins = &p->pins[b->pin_off];
		out->pin_count = b->pin_count;
		out->pins_expire_at = b->pins_expire_at;
	}
	if (best->ca != INT_MAX) {
		b = &p->blocks[best->ca];
		out->ca_file = b->ca_file;
		out->ca_dir = b->ca_dir;
		out->ca_line = b->line;
	}
}

void
tg_policy_lookup(const struct tg_policy *p, const char *host, struct tg_host_settings *out)
{
	struct best best = { INT_MAX, INT_MAX, INT_MAX, INT_MAX, INT_MAX };
	char v6buf[INET6_ADDRSTRLEN];
	const char *h, *dot;
	size_t len, i, one_at = 0;
	uint32_t hash = FNV_OFFSET;
	int is_ip6;

	h = normalize_host(host, &len, v6buf, &is_ip6);
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

void
tg_policy_lookup_linear(const struct tg_policy *p, const char *host,
                        struct tg_host_settings *out)
{
	struct best best = { INT_MAX, INT_MAX, INT_MAX, INT_MAX, INT_MAX };
	size_t bi, k;

	for (bi = 0; bi < p->nblocks; bi++) {
		const struct tg_block *b = &p->blocks[bi];
		int matched = 0;

		for (k = 0; k < b->pat_count && !matched; k++)
			matched = tg_host_pattern_match(p->pats[b->pat_off + k].text, host) == 1;
		if (!matched)
			continue;
		take_min(&best.any, (int)bi);
		if (b->min_protocol != 0)
			take_min(&best.minproto, (int)bi);
		if (b->mode >= 0)
			take_min(&best.mode, (int)bi);
		if (b->pin_count > 0)
			take_min(&best.pins, (int)bi);
		if (b->ca_file != NULL || b->ca_dir != NULL)
			take_min(&best.ca, (int)bi);
	}
	resolve(p, &best, out);
}
