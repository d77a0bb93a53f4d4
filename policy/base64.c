/*
 * Strict base64 decoding (RFC 4648 section 4) for pins: one spelling per
 * value, so a pin cannot be written two ways.
 */
#include "policy.h"

/* Value of each base64 symbol; 0xff: not one (so '=' is not one either). */
static const unsigned char b64_value[256] = {
#define X   0xff
#define R16 X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
    R16, R16, X,   X,   X,   X,   X,   X,   X,  X,  X,  X,  X,  62, X,  X,  X, 63, /* '+' '/' */
    52,  53,  54,  55,  56,  57,  58,  59,  60, 61, X,  X,  X,  X,  X,  X,         /* '0'-'9' */
    X,   0,   1,   2,   3,   4,   5,   6,   7,  8,  9,  10, 11, 12, 13, 14,        /* 'A'-'O' */
    15,  16,  17,  18,  19,  20,  21,  22,  23, 24, 25, X,  X,  X,  X,  X,         /* 'P'-'Z' */
    X,   26,  27,  28,  29,  30,  31,  32,  33, 34, 35, 36, 37, 38, 39, 40,        /* 'a'-'o' */
    41,  42,  43,  44,  45,  46,  47,  48,  49, 50, 51, X,  X,  X,  X,  X,         /* 'p'-'z' */
    R16, R16, R16, R16, R16, R16, R16, R16,
#undef R16
#undef X
};

int tg_base64_decode(const char *in, size_t len, unsigned char *out, size_t outcap, size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t pad = 0, need, i, o = 0;
    unsigned long v;

    *outlen = 0;
    if (len % 4 != 0)
        return -1;
    if (len > 0 && s[len - 1] == '=')
        pad++;
    if (len > 1 && s[len - 2] == '=')
        pad++;
    need = len / 4 * 3 - pad;
    if (need > outcap)
        return -2;
    /* Whole groups of four symbols: three bytes each. */
    for (i = 0; i + 4 <= len - (pad ? 4 : 0); i += 4) {
        unsigned a = b64_value[s[i]], b = b64_value[s[i + 1]];
        unsigned c = b64_value[s[i + 2]], d = b64_value[s[i + 3]];

        if (((a | b | c | d) & 0xc0) != 0)
            return -1; /* bad character, or '=' before the end */
        v = (unsigned long)a << 18 | (unsigned long)b << 12 | (unsigned long)c << 6 | d;
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    if (pad > 0) {
        /* The last group: "xx==" is one byte, "xxx=" two; the bits that
		 * do not make a whole byte must be zero (the canonical form). */
        unsigned a = b64_value[s[i]], b = b64_value[s[i + 1]];
        unsigned c = pad == 1 ? b64_value[s[i + 2]] : 0;

        if (((a | b | c) & 0xc0) != 0)
            return -1;
        v = (unsigned long)a << 18 | (unsigned long)b << 12 | (unsigned long)c << 6;
        if ((pad == 2 ? v & 0xffff : v & 0xff) != 0)
            return -1;
        out[o++] = (unsigned char)(v >> 16);
        if (pad == 1)
            out[o++] = (unsigned char)(v >> 8);
    }
    *outlen = o;
    return 0;
}
