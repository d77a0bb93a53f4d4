/*
 * The policy-file parser: text -> struct tg_policy, or every error found.
 *
 * One directive per line, arguments separated by spaces or tabs, '#' at the
 * start of a word begins a comment.  A `host` line starts a block that ends
 * at the next `host` line or at the end of the file; indentation carries no
 * meaning.  Keywords and values are case-sensitive.  In a security policy a
 * typo must not be skipped, so anything unknown is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define MAX_ARGS (TG_POLICY_MAX_LINE / 2 + 1)
#define MAX_PINS_PER_BLOCK 64
#define MAX_DIRECTIVES 16
#define PIN_PREFIX "sha256/"
#define PIN_MSG "pin must be sha256/ followed by the base64 of 32 bytes"

enum scope { IN_GLOBAL = 1, IN_HOST = 2, IN_BOTH = 3 };

struct parser;
typedef void (*handler_fn)(struct parser *ps, char **argv, int argc);

struct directive {
	const char *name;
	enum scope scope;
	int repeatable;      /* else a second one in the same scope is an error */
	int min_args, max_args;
	handler_fn fn;
};

struct parser {
	struct tg_policy *p;
	struct tg_diags *d;
	int line;
	int oom;
	int saw_nul;
	struct tg_block *cur;               /* current host block, NULL at global scope */
	int global_line[MAX_DIRECTIVES];    /* per directive: line it was set on, global scope */
	int block_line[MAX_DIRECTIVES];     /* the same in the current host block */
	char buf[TG_POLICY_MAX_LINE + 1];
	char *argv[MAX_ARGS];
};

static void perr(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
perr(struct parser *ps, const char *fmt, ...)
{
	char msg[sizeof(((struct tg_diag *)0)->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tg_policy_diag(ps->d, ps->line, 0, "%s", msg);
}

static void
out_of_memory(struct parser *ps)
{
	if (!ps->oom)
		tg_policy_diag(ps->d, ps->line, 0, "out of memory");
	ps->oom = 1;
}

/* Make room for one more element in a growable array. */
static int
grow(struct parser *ps, void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	if (tg_policy_mem_reserve(arr, cap, n, *cap ? *cap * 2 : 16, size) != 0) {
		out_of_memory(ps);
		return -1;
	}
	return 0;
}

/* Make room for want elements at once. */
static int
reserve(struct parser *ps, void **arr, size_t *cap, size_t n, size_t want, size_t size)
{
	if (tg_policy_mem_reserve(arr, cap, n, want, size) != 0) {
		out_of_memory(ps);
		return -1;
	}
	return 0;
}

/* Does the word at s (up to end) equal kw? */
static int
word_is(const char *s, const char *end, const char *kw, size_t kwlen)
{
	return (size_t)(end - s) >= kwlen && memcmp(s, kw, kwlen) == 0 &&
	       (s + kwlen == end || s[kwlen] == ' ' || s[kwlen] == '\t' || s[kwlen] == '\r');
}

/*
 * A quick first pass that counts host lines, their patterns and pin lines,
 * so that the arrays and the string arena are allocated once, at (at least)
 * their final size, instead of growing and being copied.  Over-counting is
 * harmless, and grow() still guards against under-counting.
 */
static void
presize(struct parser *ps, const char *text, size_t len)
{
	size_t nblocks = 0, npats = 0, npins = 0, strbytes = 0, pos = 0;
	struct tg_policy *p = ps->p;

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		const char *end = nl != NULL ? nl : text + len;

		pos = (size_t)(end - text) + 1;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (word_is(s, end, "host", 4)) {
			nblocks++;
			for (s += 4; s < end && *s != '#'; ) {
				const char *w;

				while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
					s++;
				if (s == end || *s == '#')
					break;
				for (w = s; s < end && *s != ' ' && *s != '\t' && *s != '\r'; s++)
					;
				npats++;
				/* the normalised text: the word, "*." or "**." and a NUL
				 * (a canonical IPv6 form may be a few bytes longer than
				 * the word: running short only costs another chunk) */
				strbytes += (size_t)(s - w) + 5;
			}
		} else if (word_is(s, end, "pin", 3)) {
			npins++;
		}
	}
	if (reserve(ps, (void **)&p->blocks, &p->blocks_cap, 0, nblocks, sizeof(*p->blocks)) == 0 &&
	    reserve(ps, (void **)&p->pats, &p->pats_cap, 0, npats, sizeof(*p->pats)) == 0 &&
	    reserve(ps, (void **)&p->pins, &p->pins_cap, 0, npins, sizeof(*p->pins)) == 0 &&
	    strbytes > 0 && tg_policy_arena_reserve(p, strbytes) != 0)
		out_of_memory(ps);
}

/* ---- values ----------------------------------------------------------- */

static int
parse_protocol(struct parser *ps, const char *v)
{
	if (strcmp(v, "TLSv1.2") == 0)
		return TG_TLS1_2;
	if (strcmp(v, "TLSv1.3") == 0)
		return TG_TLS1_3;
	perr(ps, "min-protocol must be TLSv1.2 or TLSv1.3, not '%.60s'", v);
	return 0;
}

static int
parse_mode(struct parser *ps, const char *v)
{
	if (strcmp(v, "enforce") == 0)
		return TG_MODE_ENFORCE;
	if (strcmp(v, "audit") == 0)
		return TG_MODE_AUDIT;
	perr(ps, "mode must be enforce or audit, not '%.60s'", v);
	return -1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (y >= 0). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* YYYY-MM-DD -> unix time of 00:00 UTC the day after, or -1. */
static long long
parse_expiry(struct parser *ps, const char *v)
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
		perr(ps, "pin-expires must be a date YYYY-MM-DD, not '%.60s'", v);
		return -1;
	}
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(v[i] - '0');
	m = (unsigned)(v[5] - '0') * 10 + (unsigned)(v[6] - '0');
	d = (unsigned)(v[8] - '0') * 10 + (unsigned)(v[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap)) {
		perr(ps, "pin-expires: %.60s is not a valid calendar date (1970 or later)", v);
		return -1;
	}
	return (days_from_civil(y, m, d) + 1) * 86400;
}

static int
is_absolute(const char *v)
{
	return v[0] == '/';
}

/* ---- directives ------------------------------------------------------- */

static void
do_min_protocol(struct parser *ps, char **argv, int argc)
{
	int v = parse_protocol(ps, argv[1]);

	(void)argc;
	if (v == 0)
		return;
	if (ps->cur != NULL)
		ps->cur->min_protocol = v;
	else
		ps->p->global.min_protocol = v;
}

static void
do_mode(struct parser *ps, char **argv, int argc)
{
	int v = parse_mode(ps, argv[1]);

	(void)argc;
	if (v < 0)
		return;
	if (ps->cur != NULL)
		ps->cur->mode = v;
	else
		ps->p->global.mode = (enum tg_mode)v;
}

/* ca-file, ca-dir: an absolute path (a relative one would resolve against
 * whatever directory the program runs in, letting it add trust anchors).
 * Global, or inside a host block: anchors for that block's hosts only. */
static void
do_ca(struct parser *ps, char **argv, int argc)
{
	int is_file = strcmp(argv[0], "ca-file") == 0;
	struct tg_block *b = ps->cur;
	const char **dst;
	int32_t *line;
	char *s;

	(void)argc;
	if (b != NULL) {
		dst = is_file ? &b->ca_file : &b->ca_dir;
		line = is_file ? &b->ca_file_line : &b->ca_dir_line;
	} else {
		dst = is_file ? &ps->p->global.ca_file : &ps->p->global.ca_dir;
		line = is_file ? &ps->p->global_ca_file_line : &ps->p->global_ca_dir_line;
	}
	if (!is_absolute(argv[1])) {
		perr(ps, "%s must be an absolute path, not '%.60s'", argv[0], argv[1]);
		return;
	}
	s = tg_policy_strdup(ps->p, argv[1], strlen(argv[1]));
	if (s == NULL) {
		out_of_memory(ps);
		return;
	}
	*dst = s;
	*line = ps->line;
}

static void
do_log(struct parser *ps, char **argv, int argc)
{
	struct tg_global *g = &ps->p->global;
	const char *v = argv[1];

	(void)argc;
	if (strcmp(v, "stderr") == 0) {
		g->log_kind = TG_LOG_STDERR;
	} else if (strcmp(v, "syslog") == 0) {
		g->log_kind = TG_LOG_SYSLOG;
	} else if (strcmp(v, "none") == 0) {
		g->log_kind = TG_LOG_NONE;
	} else if (is_absolute(v)) {
		g->log_path = tg_policy_strdup(ps->p, v, strlen(v));
		if (g->log_path == NULL) {
			out_of_memory(ps);
			return;
		}
		g->log_kind = TG_LOG_FILE;
	} else {
		perr(ps, "log must be stderr, syslog, none or an absolute path, not '%.60s'", v);
	}
}

static void
do_log_allowed(struct parser *ps, char **argv, int argc)
{
	(void)argc;
	if (strcmp(argv[1], "yes") == 0)
		ps->p->global.log_allowed = 1;
	else if (strcmp(argv[1], "no") == 0)
		ps->p->global.log_allowed = 0;
	else
		perr(ps, "log-allowed must be yes or no, not '%.60s'", argv[1]);
}

/* Warnings about a host block, once it is complete. */
static void
finish_block(struct parser *ps)
{
	struct tg_block *b = ps->cur;

	if (b == NULL)
		return;
	if (b->pin_count == 1)
		tg_policy_diag(ps->d, b->line, 1, "host block has a single pin: add a backup pin, "
		               "or a key rotation will lock clients out");
	if (b->pin_count == 0 && b->pins_expire_at >= 0)
		tg_policy_diag(ps->d, b->line, 1,
		               "host block has pin-expires but no pin: it has no effect");
}

static void
do_host(struct parser *ps, char **argv, int argc)
{
	struct tg_policy *p = ps->p;
	struct tg_block *b;
	int i;

	finish_block(ps);
	ps->cur = NULL;
	memset(ps->block_line, 0, sizeof(ps->block_line));
	if (grow(ps, (void **)&p->blocks, &p->blocks_cap, p->nblocks, sizeof(*p->blocks)) != 0)
		return;
	b = &p->blocks[p->nblocks];
	memset(b, 0, sizeof(*b));
	b->line = ps->line;
	b->mode = -1;
	b->pins_expire_at = -1;
	b->pin_off = (uint32_t)p->npins;
	b->pat_off = (uint32_t)p->npats;
	/* The block exists even when its patterns are bad, so that the lines
	 * after it are checked in the right scope instead of cascading. */
	ps->cur = b;
	if (argc < 2)
		perr(ps, "host needs at least one pattern");
	for (i = 1; i < argc; i++) {
		char key[TG_HOST_MAX + 1], text[TG_HOST_MAX + 4];
		struct tg_pattern *pat;
		enum tg_pat_kind kind;
		const char *why;
		size_t keylen, plen;

		if (tg_host_pattern_parse(argv[i], strlen(argv[i]), &kind, key, &keylen, &why) != 0) {
			perr(ps, "invalid host pattern '%.80s': %s", argv[i], why);
			continue;
		}
		plen = TG_PAT_PREFIX(kind);
		memcpy(text, kind == TG_PAT_ONE ? "*." : "**.", plen);
		memcpy(text + plen, key, keylen);
		if (grow(ps, (void **)&p->pats, &p->pats_cap, p->npats, sizeof(*p->pats)) != 0)
			return;
		pat = &p->pats[p->npats];
		pat->text = tg_policy_strdup(p, text, plen + keylen);
		if (pat->text == NULL) {
			out_of_memory(ps);
			return;
		}
		pat->hash = tg_host_key_hash(kind, key, keylen);
		pat->keylen = (uint16_t)keylen;
		pat->kind = (uint8_t)kind;
		pat->block = (int32_t)p->nblocks;
		pat->first_minproto = pat->first_mode = pat->first_pins = pat->first_ca = -1;
		p->npats++;
		b->pat_count++;
	}
	p->nblocks++;
}

static void
do_pin(struct parser *ps, char **argv, int argc)
{
	struct tg_policy *p = ps->p;
	struct tg_block *b = ps->cur;
	const char *v = argv[1];
	unsigned char raw[48];
	size_t n, i, vlen = strlen(v), plen = strlen(PIN_PREFIX);
	int r;

	(void)argc;
	if (vlen < plen || memcmp(v, PIN_PREFIX, plen) != 0) {
		perr(ps, PIN_MSG ", not '%.60s'", v);
		return;
	}
	r = tg_base64_decode(v + plen, vlen - plen, raw, sizeof(raw), &n);
	if (r == -1) {
		perr(ps, "pin '%.60s' is not valid base64: " PIN_MSG, v);
		return;
	}
	if (r != 0) {
		perr(ps, PIN_MSG " (this one is longer)");
		return;
	}
	if (n != 32) {
		perr(ps, PIN_MSG " (this one decodes to %zu bytes)", n);
		return;
	}
	for (i = 0; i < b->pin_count; i++) {
		if (memcmp(p->pins[b->pin_off + i].sha256, raw, 32) == 0) {
			tg_policy_diag(ps->d, ps->line, 1, "duplicate pin in this host block: ignored");
			return;
		}
	}
	if (b->pin_count >= MAX_PINS_PER_BLOCK) {
		perr(ps, "too many pins in one host block (at most %d)", MAX_PINS_PER_BLOCK);
		return;
	}
	if (grow(ps, (void **)&p->pins, &p->pins_cap, p->npins, sizeof(*p->pins)) != 0)
		return;
	memcpy(p->pins[p->npins++].sha256, raw, 32);
	b->pin_count++;
}

static void
do_pin_expires(struct parser *ps, char **argv, int argc)
{
	long long t = parse_expiry(ps, argv[1]);

	(void)argc;
	if (t >= 0)
		ps->cur->pins_expire_at = t;
}

static const struct directive directives[] = {
	{ "host",         IN_BOTH,   1, 1, MAX_ARGS - 1, do_host },
	{ "pin",          IN_HOST,   1, 1, 1, do_pin },
	{ "pin-expires",  IN_HOST,   0, 1, 1, do_pin_expires },
	{ "mode",         IN_BOTH,   0, 1, 1, do_mode },
	{ "min-protocol", IN_BOTH,   0, 1, 1, do_min_protocol },
	{ "ca-file",      IN_BOTH,   0, 1, 1, do_ca },
	{ "ca-dir",       IN_BOTH,   0, 1, 1, do_ca },
	{ "log",          IN_GLOBAL, 0, 1, 1, do_log },
	{ "log-allowed",  IN_GLOBAL, 0, 1, 1, do_log_allowed },
};
#define NDIRECTIVES (sizeof(directives) / sizeof(directives[0]))
_Static_assert(NDIRECTIVES <= MAX_DIRECTIVES, "struct parser tracks at most MAX_DIRECTIVES");

/* ---- lines ------------------------------------------------------------ */

/* Split ps->buf (already checked by first_control) into words, stopping at
 * a word that starts with '#'. */
static int
split_words(struct parser *ps)
{
	char *s = ps->buf;
	int argc = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		ps->argv[argc++] = s;
		/* The line has no control characters but tab, so a word is
		 * whatever lies above ' ' (bytes >= 0x80 included). */
		while ((unsigned char)*s > ' ')
			s++;
		if (*s == '\0')
			break;
		*s++ = '\0';
	}
	return argc;
}

static void
parse_words(struct parser *ps, int argc)
{
	char **argv = ps->argv;
	const struct directive *dir = NULL;
	int *seen;
	size_t i;

	for (i = 0; i < NDIRECTIVES; i++) {
		if (argv[0][0] == directives[i].name[0] && strcmp(argv[0], directives[i].name) == 0) {
			dir = &directives[i];
			break;
		}
	}
	if (dir == NULL) {
		perr(ps, "unknown directive '%.60s'", argv[0]);
		return;
	}
	if (dir->fn != do_host) {
		if (ps->cur != NULL && !(dir->scope & IN_HOST)) {
			perr(ps, "directive %s is not allowed inside a host block "
			     "(global directives go before the first host line)", dir->name);
			return;
		}
		if (ps->cur == NULL && !(dir->scope & IN_GLOBAL)) {
			perr(ps, "directive %s is only allowed inside a host block", dir->name);
			return;
		}
	}
	if (argc - 1 > dir->max_args) {
		perr(ps, "%s takes exactly one argument", dir->name);
		return;
	}
	if (argc - 1 < dir->min_args && dir->fn != do_host) {
		perr(ps, "%s needs an argument", dir->name);
		return;
	}
	seen = ps->cur != NULL ? &ps->block_line[i] : &ps->global_line[i];
	if (!dir->repeatable && *seen != 0) {
		perr(ps, "duplicate %s%s (first set on line %d)", dir->name,
		     ps->cur != NULL ? " in this host block" : "", *seen);
		return;
	}
	*seen = ps->line;
	dir->fn(ps, argv, argc);
}

static int
is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/*
 * Index of the first control character (other than tab) in s, or len.
 * Eight bytes at a time: this check touches every byte of the policy, and
 * byte by byte it was the largest single cost of a load.
 */
static size_t
first_control(const char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x, del;

		memcpy(&x, s + i, 8);
		del = x ^ (0x7f * ones);
		/* a byte below 0x20, or a byte equal to 0x7f: look closer */
		if ((((x - 0x20 * ones) & ~x) | ((del - ones) & ~del)) & highs) {
			size_t j;

			for (j = i; j < i + 8; j++)
				if (is_control((unsigned char)s[j]))
					return j;
		}
	}
	for (; i < len; i++)
		if (is_control((unsigned char)s[i]))
			return i;
	return len;
}

static void
report_nul(struct parser *ps)
{
	if (!ps->saw_nul)
		perr(ps, "the policy contains a NUL byte");
	ps->saw_nul = 1;
}

/*
 * Find the line at s (rest bytes left): *len is its length without the line
 * ending ("\n", "\r\n", or a "\r" that ends the text), *next where the
 * following line starts.  One scan finds both the end of the line and any
 * control character in it.  Returns 0 if the line has no control character
 * but tab, else -1.
 */
static int
next_line(const char *s, size_t rest, size_t *len, size_t *next)
{
	size_t n = first_control(s, rest), e;
	const char *nl;

	if (n == rest || s[n] == '\n') {
		*len = n;
		*next = n + (n < rest);
		return 0;
	}
	if (s[n] == '\r' && (n + 1 == rest || s[n + 1] == '\n')) {
		*len = n;
		*next = n + 1 + (n + 1 < rest);
		return 0;
	}
	/* A control character inside the line: find where it ends. */
	nl = memchr(s + n, '\n', rest - n);
	e = nl != NULL ? (size_t)(nl - s) : rest;
	*next = e + (nl != NULL);
	if (s[e - 1] == '\r')
		e--;
	*len = e;
	return -1;
}

static void
parse_line(struct parser *ps, const char *s, size_t len, int clean)
{
	int argc;

	if (len > TG_POLICY_MAX_LINE) {
		perr(ps, "line is longer than %d bytes", TG_POLICY_MAX_LINE);
		if (!clean && memchr(s, '\0', len) != NULL)
			report_nul(ps);
		return;
	}
	if (!clean) {
		size_t i = first_control(s, len);

		if (memchr(s + i, '\0', len - i) != NULL)
			report_nul(ps);
		else
			perr(ps, "line contains a control character (0x%02x)", (unsigned char)s[i]);
		return;
	}
	memcpy(ps->buf, s, len);
	ps->buf[len] = '\0';
	argc = split_words(ps);
	if (argc > 0)
		parse_words(ps, argc);
}

struct tg_policy *
tg_policy_parse(const char *text, size_t len, const char *file, struct tg_diags *out)
{
	struct tg_diags local;
	struct tg_diags *d = out != NULL ? out : &local;
	struct parser *ps;
	struct tg_policy *p;
	size_t pos = 0;

	tg_policy_diags_init(d, file);
	ps = calloc(1, sizeof(*ps));
	p = tg_policy_alloc();
	if (ps == NULL || p == NULL) {
		tg_policy_diag(d, 0, 0, "out of memory");
		goto fail;
	}
	ps->p = p;
	ps->d = d;
	/* The limit keeps every count and offset small (and matches the file loader). */
	if (len > TG_POLICY_MAX_FILE) {
		tg_policy_diag(d, 0, 0, "refusing policy: larger than 4 MiB");
		goto fail;
	}
	presize(ps, text, len);
	while (pos < len && !ps->oom) {
		size_t n, next;
		int clean = next_line(text + pos, len - pos, &n, &next) == 0;

		ps->line++;
		parse_line(ps, text + pos, n, clean);
		pos += next;
	}
	if (!ps->oom)
		finish_block(ps);
	if (d->errors == 0 && tg_policy_build_index(p) != 0)
		tg_policy_diag(d, 0, 0, "out of memory");
	if (d->errors != 0)
		goto fail;
	free(ps);
	if (d == &local)
		tg_diags_free(&local);
	return p;
fail:
	free(ps);
	tg_policy_free(p);
	if (d == &local)
		tg_diags_free(&local);
	return NULL;
}
