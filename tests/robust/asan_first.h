/*
 * asan_first.h — included once by a test program that may run under
 * check-asan's shim (the ASan runtime linked into the preloaded
 * libtlsguard.so): starts that runtime from the program's .preinit_array,
 * before any library's constructor. Otherwise libp11-kit's constructor
 * (GnuTLS, libcurl pull it in) runs first, its first malloc starts ASan
 * inside newlocale, and glibc's locale lock is left broken: the program
 * hangs at exit in libp11-kit's destructor. Without that runtime,
 * __asan_init is absent (weak, NULL) and this does nothing.
 */
#ifndef TG_TESTS_ASAN_FIRST_H
#define TG_TESTS_ASAN_FIRST_H

extern void __asan_init(void) __attribute__((weak));

static void tg_asan_first(void)
{
    if (__asan_init)
        __asan_init();
}

__attribute__((section(".preinit_array"),
               used)) static void (*const tg_asan_first_entry)(void) = tg_asan_first;

#endif
