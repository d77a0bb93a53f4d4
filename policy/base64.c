/*
 * Strict base64 decoding (RFC 4648 section 4) for pins: one spelling per
 * value, so a pin cannot be written two ways.
 */
#include "policy.h"

/* Value of a base64 symbol, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
tg_base64_decode(const char *in, size_t len, unsigned char *out, size_t outcap,
                 size_t *outlen)
{
	size_t pad = 0, need, i, o = 0;
	unsigned long acc = 0;
	int bits = 0;

	*outlen = 0;
	if (len % 4 != 0)
		return -1;
	if (len > 0 && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	need = len / 4 * 3 - pad;
	if (need > outcap)
		return -2;
	for (i = 0; i < len - pad; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (v < 0)
			return -1;          /* bad character, or '=' before the end */
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1ul << bits) - 1;
		}
	}
	/* Leftover bits (2 with "==", 4 with "=") must be zero: canonical form. */
	if (acc != 0)
		return -1;
	*outlen = o;
	return 0;
}
