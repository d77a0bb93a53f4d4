/*
 * symhash.h — the GNU hash of a string literal, folded by the compiler.
 *
 * ld.so's GNU hash (h = h * 33 + c from 5381, mod 2^32) of a name known at
 * build time, so that resolving a table of ~180 symbols does not hash each
 * name again at run time (about half of what looking one up cost). Written
 * as a sum that does not need the name's length inside: padding the name
 * with k NUL bytes to TG_HASH_MAX multiplies the hash by 33^k, and 33 is
 * odd, so dividing by 33^k mod 2^32 (multiplying by the inverse's powers
 * below, one per bit of k) undoes it. The constants: P_i = 33^(47 - i) and
 * inverse powers 33^-(2^b), mod 2^32 (tests/unit/test_dynobj.c checks the
 * result against the plain loop). Names longer than TG_HASH_MAX do not
 * compile (TG_HASH_FITS).
 */
#ifndef TG_SYMHASH_H
#define TG_SYMHASH_H

#include <stdint.h>

#define TG_HASH_MAX 48
/* Byte i of literal s, 0 past its end (the index kept in bounds). */
#define TG_HC(s, i)                                                                                \
    ((i) < sizeof(s) - 1 ? (uint32_t)(unsigned char)(s)[(i) < sizeof(s) - 1 ? (i) : 0] : 0u)
#define TG_HT(s, i, p) (TG_HC(s, i) * (p))
/* A compile error for a literal too long for TG_GNU_HASH. */
#define TG_HASH_FITS(s) ((void)sizeof(char[1 - 2 * (sizeof(s) - 1 > TG_HASH_MAX)]))
/* TG_GNU_HASH(s) in a constant initializer, refusing (a compile error) a
 * literal too long for it. */
#define TG_GNU_HASH_INIT(s)                                                                        \
    (TG_GNU_HASH(s) + 0u * (uint32_t)sizeof(char[1 - 2 * (sizeof(s) - 1 > TG_HASH_MAX)]))
/* clang-format off */
#define TG_GNU_HASH(s) \
    ((uint32_t)(0x2a1e5305u + \
    TG_HT(s, 0, 0xd18c69e1u) + TG_HT(s, 1, 0xb8c631c1u) + TG_HT(s, 2, 0x79f67da1u) + TG_HT(s, 3, 0xae5ccd81u) + \
    TG_HT(s, 4, 0x0548a161u) + TG_HT(s, 5, 0xc2197941u) + TG_HT(s, 6, 0x7a3ed521u) + TG_HT(s, 7, 0x13383501u) + \
    TG_HT(s, 8, 0x009518e1u) + TG_HT(s, 9, 0xc1f500c1u) + TG_HT(s, 10, 0xa1076ca1u) + TG_HT(s, 11, 0xaf8bdc81u) + \
    TG_HT(s, 12, 0x0551d061u) + TG_HT(s, 13, 0x3e38c841u) + TG_HT(s, 14, 0x38304421u) + TG_HT(s, 15, 0x1137c401u) + \
    TG_HT(s, 16, 0x655ec7e1u) + TG_HT(s, 17, 0xccc4cfc1u) + TG_HT(s, 18, 0x99995ba1u) + TG_HT(s, 19, 0xd61beb81u) + \
    TG_HT(s, 20, 0x829bff61u) + TG_HT(s, 21, 0x13791741u) + TG_HT(s, 22, 0x2f22b321u) + TG_HT(s, 23, 0xac185301u) + \
    TG_HT(s, 24, 0xcee976e1u) + TG_HT(s, 25, 0xc8359ec1u) + TG_HT(s, 26, 0x72ac4aa1u) + TG_HT(s, 27, 0x510cfa81u) + \
    TG_HT(s, 28, 0xcc272e61u) + TG_HT(s, 29, 0xb0da6641u) + TG_HT(s, 30, 0xee162221u) + TG_HT(s, 31, 0x92d9e201u) + \
    TG_HT(s, 32, 0x0c3525e1u) + TG_HT(s, 33, 0xa3476dc1u) + TG_HT(s, 34, 0x3b4039a1u) + TG_HT(s, 35, 0x4f5f0981u) + \
    TG_HT(s, 36, 0x30f35d61u) + TG_HT(s, 37, 0x855cb541u) + TG_HT(s, 38, 0x040a9121u) + TG_HT(s, 39, 0x747c7101u) + \
    TG_HT(s, 40, 0xec41d4e1u) + TG_HT(s, 41, 0x4cfa3cc1u) + TG_HT(s, 42, 0x025528a1u) + TG_HT(s, 43, 0x00121881u) + \
    TG_HT(s, 44, 0x00008c61u) + TG_HT(s, 45, 0x00000441u) + TG_HT(s, 46, 0x00000021u) + TG_HT(s, 47, 0x00000001u) + \
    0u) * \
     ((TG_HASH_MAX - (sizeof(s) - 1)) & 1 ? 0x3e0f83e1u : 1u) * \
     ((TG_HASH_MAX - (sizeof(s) - 1)) & 2 ? 0xb44e0bc1u : 1u) * \
     ((TG_HASH_MAX - (sizeof(s) - 1)) & 4 ? 0x92262781u : 1u) * \
     ((TG_HASH_MAX - (sizeof(s) - 1)) & 8 ? 0xe4648f01u : 1u) * \
     ((TG_HASH_MAX - (sizeof(s) - 1)) & 16 ? 0xd0aa1e01u : 1u) * \
     ((TG_HASH_MAX - (sizeof(s) - 1)) & 32 ? 0x7cd83c01u : 1u))
/* clang-format on */

#endif
