/*
 * rb_ctor — OpenSSL used before main: from a linked library's constructor
 * (before the shim's own constructor ran: see rb_ctor_lib.c) and from this
 * program's constructor. Each makes a context and connects to RB_GOOD
 * (must pass) and RB_BAD (must be blocked). main reports; "N passed, N
 * failed"; exit 0 when all passed.
 */
#include "rb.h"

#include <stdio.h>

extern int rb_ctor_lib_good, rb_ctor_lib_bad;
extern char rb_ctor_lib_why[600];
void rb_ctor_connect(int *good, int *bad, char *why, size_t n);

static int exe_good = -1, exe_bad = -1;
static char exe_why[600];

__attribute__((constructor)) static void exe_ctor(void)
{
    rb_ctor_connect(&exe_good, &exe_bad, exe_why, sizeof exe_why);
}

static int passed, failed;

static void check(const char *what, int ok, const char *why)
{
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, ok || !*why ? "" : ": ", ok ? "" : why);
    ok ? passed++ : failed++;
}

int main(void)
{
    check("library constructor (before the shim's): good peer passes", rb_ctor_lib_good == 1,
          rb_ctor_lib_why);
    check("library constructor (before the shim's): bad peer blocked", rb_ctor_lib_bad == 1,
          rb_ctor_lib_why);
    check("program constructor: good peer passes", exe_good == 1, exe_why);
    check("program constructor: bad peer blocked", exe_bad == 1, exe_why);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
