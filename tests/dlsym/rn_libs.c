/*
 * rn_libs.c — the small libraries of tests/dlsym/rtld_next.c, one source
 * built once per role (-DRN_PRE, -DRN_A, -DRN_B, -DRN_C, -DRN_D):
 *   pre  preloaded in front of the shim: rn_probe "pre"; what dlsym(RTLD_NEXT)
 *        gives code in it (an interposer of its own, like an SSL key logger)
 *   a, b linked by the program in that order: rn_probe "a" / "b"; a asks
 *        dlsym(RTLD_NEXT, "rn_probe") (b's)
 *   c    dlopen'ed RTLD_LOCAL, needs d: asks dlsym(RTLD_DEFAULT, "rn_local_only"),
 *        which only its own local scope has
 *   d    defines rn_local_only
 */
#include <dlfcn.h>

#define EXPORT __attribute__((visibility("default")))

/* The asking must be done from here: a tail call would make dlsym see the
 * program as its caller. */
#define ASK(call)                                                                                  \
    do {                                                                                           \
        void *volatile r_ = (call);                                                                \
        return r_;                                                                                 \
    } while (0)

#if defined(RN_PRE)
EXPORT const char *rn_probe(void)
{
    return "pre";
}
EXPORT void *rn_pre_next(const char *name)
{
    ASK(dlsym(RTLD_NEXT, name));
}
#elif defined(RN_A)
EXPORT const char *rn_probe(void)
{
    return "a";
}
EXPORT void *rn_a_next(const char *name)
{
    ASK(dlsym(RTLD_NEXT, name));
}
#elif defined(RN_B)
EXPORT const char *rn_probe(void)
{
    return "b";
}
#elif defined(RN_C)
EXPORT void *rn_c_default(const char *name)
{
    ASK(dlsym(RTLD_DEFAULT, name));
}
#elif defined(RN_D)
EXPORT const char *rn_local_only(void)
{
    return "d";
}
#endif
