/*
 * libs.h — which libssl a call belongs to.
 *
 * A process can hold more than one libssl (a vendored copy beside the
 * system's, OpenSSL 1.1 in a plugin loaded RTLD_LOCAL next to 3.0): objects
 * must never cross copies. Each call is routed to the copy its caller binds
 * to, found from the caller's address; a per-thread cache keyed by that
 * address keeps this to one comparison on the hot path.
 */
#ifndef TG_LIBS_H
#define TG_LIBS_H

#include "ossl.h"

/* The copy that code at `caller` (a return address, in the program or in
 * a libssl/libcrypto itself, as for callbacks) uses; resolved and set up on
 * first sight. NULL when none can be found or used: fail closed. */
const struct tg_ossl *tg_libs_for(const void *caller);

/* For the shim's dlsym: 1 when `soname` is a libssl the shim serves, `fn`
 * lies in it, and a call from `caller` is routed to that very copy (an
 * object that binds to another copy keeps the library's own function: a
 * hook would hand its objects to the wrong copy). */
int tg_libs_hands_out(const char *soname, const void *fn, const void *caller);

#include "own_file.h" /* tg_own_file, defined in libs.c */

#endif
