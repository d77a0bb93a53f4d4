/*
 * The policy text as lines and words, before any meaning: where each line
 * ends, which lines hold control characters, the words of a clean line,
 * and a first pass that sizes the policy's arrays.
 */
#include <stdint.h>
#include <string.h>

#include "policy_int.h"

/* Does the word at s (up to end) equal kw? */
static int word_is(const char *s, const char *end, const char *kw, size_t kwlen)
{
    return (size_t)(end - s) >= kwlen && memcmp(s, kw, kwlen) == 0 &&
           (s + kwlen == end || s[kwlen] == ' ' || s[kwlen] == '\t' || s[kwlen] == '\r');
}

/*
 * A quick first pass that counts host lines, their patterns and pin lines,
 * so that the arrays and the string arena are allocated once, at (at least)
 * their final size, instead of growing and being copied.  Over-counting is
 * harmless, and tg_parse_grow() still guards against under-counting.
 */
void tg_policy_presize(struct tg_parser *ps, const char *text, size_t len)
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
            for (s += 4; s < end && *s != '#';) {
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
    if (tg_policy_mem_reserve((void **)&p->blocks, &p->blocks_cap, 0, nblocks,
                              sizeof(*p->blocks)) != 0 ||
        tg_policy_mem_reserve((void **)&p->pats, &p->pats_cap, 0, npats, sizeof(*p->pats)) != 0 ||
        tg_policy_mem_reserve((void **)&p->pins, &p->pins_cap, 0, npins, sizeof(*p->pins)) != 0 ||
        (strbytes > 0 && tg_policy_arena_reserve(p, strbytes) != 0))
        tg_parse_oom(ps);
}

static int is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

/*
 * Index of the first control character (other than tab) in s, or len.
 * Eight bytes at a time: this check touches every byte of the policy, and
 * byte by byte it was the largest single cost of a load.
 */
size_t tg_policy_first_control(const char *s, size_t len)
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

/*
 * Find the line at s (rest bytes left): *len is its length without the line
 * ending ("\n", "\r\n", or a "\r" that ends the text), *next where the
 * following line starts.  One scan finds both the end of the line and any
 * control character in it.  Returns 0 if the line has no control character
 * but tab, else -1.
 */
int tg_policy_next_line(const char *s, size_t rest, size_t *len, size_t *next)
{
    size_t n = tg_policy_first_control(s, rest), e;
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

/* Split ps->buf (already checked by tg_policy_first_control) into words, stopping at
 * a word that starts with '#'. */
int tg_policy_split_words(struct tg_parser *ps)
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
