/*
 * The policy value's lifetime (allocation, string arena, free), the built-in
 * defaults, and diagnostics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

/* Strings (patterns, paths) live in a list of chunks freed together. */
struct tg_arena_chunk {
	struct tg_arena_chunk *next;
	size_t used, size;
	char data[];
};

#define TG_ARENA_CHUNK 16384

static void
set_defaults(struct tg_global *g)
{
	g->min_protocol = TG_TLS1_2;
	g->mode = TG_MODE_ENFORCE;
	g->ca_file = NULL;
	g->ca_dir = NULL;
	g->log_kind = TG_LOG_STDERR;
	g->log_path = NULL;
	g->log_allowed = 0;
}

struct tg_policy *
tg_policy_alloc(void)
{
	struct tg_policy *p = calloc(1, sizeof(*p));

	if (p != NULL)
		set_defaults(&p->global);
	return p;
}

/* Copy len bytes of s into the policy's arena, NUL-terminated. */
char *
tg_policy_strdup(struct tg_policy *p, const char *s, size_t len)
{
	struct tg_arena_chunk *c = p->arena;
	char *r;

	if (c == NULL || c->size - c->used < len + 1) {
		size_t size = len + 1 > TG_ARENA_CHUNK ? len + 1 : TG_ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = p->arena;
		p->arena = c;
	}
	r = c->data + c->used;
	memcpy(r, s, len);
	r[len] = '\0';
	c->used += len + 1;
	return r;
}

void
tg_policy_free(struct tg_policy *p)
{
	struct tg_arena_chunk *c, *next;

	if (p == NULL)
		return;
	for (c = p->arena; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(p->blocks);
	free(p->pats);
	free(p->pins);
	free(p->slots);
	free(p);
}

struct tg_policy *
tg_policy_default(void)
{
	struct tg_policy *p = tg_policy_alloc();

	if (p != NULL && tg_policy_build_index(p) != 0) {
		tg_policy_free(p);
		p = NULL;
	}
	return p;
}

const struct tg_global *
tg_policy_global(const struct tg_policy *p)
{
	return &p->global;
}

size_t
tg_policy_block_count(const struct tg_policy *p)
{
	return p->nblocks;
}

/* ---- diagnostics ------------------------------------------------------ */

void
tg_policy_diags_init(struct tg_diags *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->cap = TG_POLICY_MAX_DIAGS;
	snprintf(d->file, sizeof(d->file), "%s", file != NULL ? file : "(policy)");
}

void
tg_policy_diag(struct tg_diags *d, int line, int is_warning, const char *fmt, ...)
{
	struct tg_diag *item;
	va_list ap;

	if (d == NULL)
		return;
	if (is_warning)
		d->warnings++;
	else
		d->errors++;
	if (d->count >= d->cap) {
		d->truncated = 1;
		return;
	}
	if (d->items == NULL) {
		d->items = calloc(d->cap, sizeof(*d->items));
		if (d->items == NULL) {
			d->truncated = 1;
			return;
		}
	}
	item = &d->items[d->count++];
	item->line = line;
	item->is_warning = is_warning;
	va_start(ap, fmt);
	vsnprintf(item->message, sizeof(item->message), fmt, ap);
	va_end(ap);
}

void
tg_diags_free(struct tg_diags *d)
{
	if (d == NULL)
		return;
	free(d->items);
	d->items = NULL;
	d->count = 0;
	d->truncated = 0;
	d->errors = 0;
	d->warnings = 0;
}

int
tg_diag_format(const struct tg_diags *d, size_t i, char *buf, size_t n)
{
	const struct tg_diag *item;
	const char *kind;

	if (d == NULL || i >= d->count)
		return -1;
	item = &d->items[i];
	kind = item->is_warning ? "warning: " : "";
	if (item->line > 0)
		return snprintf(buf, n, "%s:%d: %s%s", d->file, item->line, kind, item->message);
	return snprintf(buf, n, "%s: %s%s", d->file, kind, item->message);
}
