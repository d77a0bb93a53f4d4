/*
 * The policy value's lifetime (allocation, string arena, free), and
 * diagnostics.  (The built-in defaults are the settings table's, setting_table.c.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "policy_int.h"

/*
 * Memory.  A policy of 10 000 blocks needs a couple of MiB, and on a
 * virtual machine the page faults of first touching them one page at a time
 * cost more than the whole parse (about 10 us each, measured here).  So
 * large blocks are mapped with MAP_POPULATE, which faults them in with one
 * call; small ones come from calloc.  The size decides which, so the free
 * side needs only the size, which every owner keeps.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_ASAN 1
#endif
#endif
#ifdef TG_ASAN
#define TG_MAP_MIN SIZE_MAX /* let AddressSanitizer see every allocation */
#else
#define TG_MAP_MIN (64 * 1024)
#endif

void *tg_policy_mem_alloc(size_t size)
{
    void *m;

    if (size < TG_MAP_MIN)
        return calloc(1, size);
    m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

void tg_policy_mem_free(void *ptr, size_t size)
{
    if (ptr == NULL)
        return;
    if (size < TG_MAP_MIN)
        free(ptr);
    else
        munmap(ptr, size);
}

/* Make *arr (of *cap elements of elsize bytes, n in use) hold want elements. */
int tg_policy_mem_reserve(void **arr, size_t *cap, size_t n, size_t want, size_t elsize)
{
    void *na;

    if (want <= *cap)
        return 0;
    if (want > SIZE_MAX / elsize)
        return -1;
    na = tg_policy_mem_alloc(want * elsize);
    if (na == NULL)
        return -1;
    if (n > 0)
        memcpy(na, *arr, n * elsize);
    tg_policy_mem_free(*arr, *cap * elsize);
    *arr = na;
    *cap = want;
    return 0;
}

/* Strings (patterns, paths) live in a list of chunks freed together. */
struct tg_arena_chunk {
    struct tg_arena_chunk *next;
    size_t used, size;
    char data[];
};

#define TG_ARENA_CHUNK 16384

/* An empty policy value; the parser fills in the defaults and the index. */
struct tg_policy *tg_policy_alloc(void)
{
    return calloc(1, sizeof(struct tg_policy));
}

/* Start a string chunk with room for at least size bytes. */
int tg_policy_arena_reserve(struct tg_policy *p, size_t size)
{
    struct tg_arena_chunk *c;

    if (size < TG_ARENA_CHUNK)
        size = TG_ARENA_CHUNK;
    if (size > SIZE_MAX - sizeof(*c))
        return -1;
    c = tg_policy_mem_alloc(sizeof(*c) + size);
    if (c == NULL)
        return -1;
    c->size = size;
    c->used = 0;
    c->next = p->arena;
    p->arena = c;
    return 0;
}

/* Copy len bytes of s into the policy's arena, NUL-terminated. */
char *tg_policy_strdup(struct tg_policy *p, const char *s, size_t len)
{
    struct tg_arena_chunk *c = p->arena;
    char *r;

    if (c == NULL || c->size - c->used < len + 1) {
        if (len == SIZE_MAX || tg_policy_arena_reserve(p, len + 1) != 0)
            return NULL;
        c = p->arena;
    }
    r = c->data + c->used;
    memcpy(r, s, len);
    r[len] = '\0';
    c->used += len + 1;
    return r;
}

void tg_policy_free(struct tg_policy *p)
{
    struct tg_arena_chunk *c, *next;

    if (p == NULL)
        return;
    for (c = p->arena; c != NULL; c = next) {
        next = c->next;
        tg_policy_mem_free(c, sizeof(*c) + c->size);
    }
    tg_policy_mem_free(p->blocks, p->blocks_cap * sizeof(*p->blocks));
    tg_policy_mem_free(p->pats, p->pats_cap * sizeof(*p->pats));
    tg_policy_mem_free(p->pins, p->pins_cap * sizeof(*p->pins));
    if (p->slots != NULL)
        tg_policy_mem_free(p->slots, (p->slot_mask + 1) * sizeof(*p->slots));
    free(p);
}

const struct tg_global *tg_policy_global(const struct tg_policy *p)
{
    return &p->global;
}

size_t tg_policy_block_count(const struct tg_policy *p)
{
    return p->nblocks;
}

/* ---- diagnostics ------------------------------------------------------ */

void tg_policy_diags_init(struct tg_diags *d, const char *file)
{
    memset(d, 0, sizeof(*d));
    d->cap = TG_POLICY_MAX_DIAGS;
    snprintf(d->file, sizeof(d->file), "%s", file != NULL ? file : "(policy)");
}

void tg_policy_diag(struct tg_diags *d, int line, int is_warning, const char *fmt, ...)
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

void tg_diags_free(struct tg_diags *d)
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

int tg_diag_format(const struct tg_diags *d, size_t i, char *buf, size_t n)
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

/* ---- trust-anchor paths, for `tlsguard check` ------------------------- */

static void put_ca(struct tg_policy_ca_path *out, size_t n, size_t *k, const char *path, int is_dir,
                   int line, int block)
{
    if (path == NULL)
        return;
    if (*k < n) {
        out[*k].path = path;
        out[*k].is_dir = is_dir;
        out[*k].line = line;
        out[*k].block_index = block;
    }
    (*k)++;
}

size_t tg_policy_ca_paths(const struct tg_policy *p, struct tg_policy_ca_path *out, size_t n)
{
    size_t k = 0, i;

    put_ca(out, n, &k, p->global.ca_file, 0, p->global_line[TG_SET_CA_FILE], -1);
    put_ca(out, n, &k, p->global.ca_dir, 1, p->global_line[TG_SET_CA_DIR], -1);
    for (i = 0; i < p->nblocks; i++) {
        const struct tg_block *b = &p->blocks[i];

        put_ca(out, n, &k, b->values.ca_file, 0, b->set_line[TG_SET_CA_FILE], (int)i);
        put_ca(out, n, &k, b->values.ca_dir, 1, b->set_line[TG_SET_CA_DIR], (int)i);
    }
    return k;
}
