/*
 * hook_dlsym.c — dlsym and dlvsym, so that a program which dlopen()s its
 * TLS library and takes the functions with dlsym(handle, ...) (Qt's
 * QSslSocket, python ctypes, plugins) gets the shim's hooks, not the
 * library's functions the preload never sees called.
 *
 * What changes: only the answer for a name the shim exports (its hooks:
 * its own dynamic symbol table, tg_real_dl_own_export) when the real answer
 * lies in a TLS library a backend covers and would route the call to
 * (struct tg_backend.hands_out); the hook handed out routes to that copy as
 * the exported hooks do. Every other answer is the C library's own,
 * including the shim's hooks asked of a library no backend covers (libc's
 * connect, execve).
 *
 * RTLD_NEXT and RTLD_DEFAULT are relative to the caller (ld.so reads the
 * return address), so the assembly entry points below never call dlsym
 * themselves for an answer they pass on: tg_dl_decide says what to do, and
 * they tail-jump to the real function with the caller's return address
 * still on the stack. A name the shim does not export costs one probe of
 * its hash table (nearly always its Bloom filter) on top of dlsym.
 *
 * Only x86_64 glibc has these entry points (real_dl.h: TG_DL_HOOK); on
 * other architectures the shim exports no dlsym and the road stays open
 * (README, docs/coverage.md).
 */
#include "real_dl.h"

#if TG_DL_HOOK

#include "backend.h"
#include "dl_entry.h"
#include "dynobj.h"
#include "own_file.h"

#include <dlfcn.h>
#include <stddef.h>

struct tg_dl_answer {
    void *value; /* the answer, when jump is NULL */
    void *jump;  /* else the real function to pass the call to */
};

/* Set by the constructor: before it ran (a sanitizer runtime's start, other
 * libraries' constructors) every call is passed on. */
static int armed;

__attribute__((constructor)) static void arm(void)
{
    __atomic_store_n(&armed, 1, __ATOMIC_RELEASE);
}

/* Does a backend cover the library holding `real` and route a call made
 * from `caller`'s object to that copy? */
static int substitute(const void *real, const void *caller)
{
    struct tg_dynobj o;
    const char *soname;
    /* The shim's own look-ups (a sanitizer build calls dlsym by name) always
     * want the library's function. */
    if (tg_is_ours(caller) || tg_is_ours(real) || !tg_dynobj_at(real, &o) ||
        !(soname = tg_dynobj_soname(&o)))
        return 0;
    for (const struct tg_backend *const *b = tg_backends; *b; b++)
        if ((*b)->hands_out && (*b)->hands_out(soname, real, caller))
            return 1;
    return 0;
}

TG_DL_BARE __attribute__((used, visibility("hidden"))) struct tg_dl_answer
tg_dl_decide(void *handle, const char *name, const char *version, const void *caller)
{
    struct tg_dl_answer a = { NULL, NULL };
    void *hook, *real;
    if (!__atomic_load_n(&tg_real_dlsym_ptr, __ATOMIC_ACQUIRE))
        tg_real_dl_resolve();
    a.jump = version ? (void *)__atomic_load_n(&tg_real_dlvsym_ptr, __ATOMIC_ACQUIRE)
                     : (void *)__atomic_load_n(&tg_real_dlsym_ptr, __ATOMIC_ACQUIRE);
    if (!a.jump || handle == RTLD_NEXT || !name || !__atomic_load_n(&armed, __ATOMIC_ACQUIRE) ||
        !(hook = tg_real_dl_own_export(name)))
        return a;
    /* A handle's scope is the same whoever asks; RTLD_DEFAULT's is the
     * caller's, which holds the global scope (the shim's) first: an answer
     * found there is the caller's too (not for an RTLD_DEEPBIND module). */
    real = version ? tg_dlvsym(handle, name, version) : tg_dlsym(handle, name);
    if (!real && handle == RTLD_DEFAULT)
        return a; /* the caller's own local scope may hold more */
    a.jump = NULL;
    a.value = real && real != hook && substitute(real, caller) ? hook : real;
    return a;
}

/* dlsym(handle, name) and dlvsym(handle, name, version): RTLD_NEXT goes
 * straight on once the real one is known; anything else asks tg_dl_decide
 * (handle, name, version or NULL, the caller's return address) and either
 * returns its value or jumps to the real function with the registers and
 * the stack the caller left. One body for both: dlsym has no version, so
 * the saved %rdx (not one of its arguments) is cleared for the call and put
 * back after it. Three pushes leave the stack 16-aligned for the call and the
 * return address at 24(%rsp). */
__asm__(".macro tg_dl_entry name, real, has_version\n"
        ".globl \\name\n"
        ".type \\name, @function\n"
        ".p2align 4\n"
        "\\name:\n"
        ".cfi_startproc\n"
        "  endbr64\n"
        "  cmpq $-1, %rdi\n"
        "  jne 1f\n"
        "  movq \\real(%rip), %r11\n"
        "  testq %r11, %r11\n"
        "  jz 1f\n"
        "  jmp *%r11\n"
        "1:\n"
        "  pushq %rdi\n"
        ".cfi_adjust_cfa_offset 8\n"
        "  pushq %rsi\n"
        ".cfi_adjust_cfa_offset 8\n"
        "  pushq %rdx\n"
        ".cfi_adjust_cfa_offset 8\n"
        ".if \\has_version == 0\n"
        "  xorl %edx, %edx\n"
        ".endif\n"
        "  movq 24(%rsp), %rcx\n"
        "  call tg_dl_decide\n"
        "  movq %rdx, %r11\n"
        "  popq %rdx\n"
        ".cfi_adjust_cfa_offset -8\n"
        "  popq %rsi\n"
        ".cfi_adjust_cfa_offset -8\n"
        "  popq %rdi\n"
        ".cfi_adjust_cfa_offset -8\n"
        "  testq %r11, %r11\n"
        "  jnz 2f\n"
        "  ret\n"
        "2:\n"
        "  jmp *%r11\n"
        ".cfi_endproc\n"
        ".size \\name, .-\\name\n"
        ".endm\n"
        ".text\n"
        "tg_dl_entry dlsym, tg_real_dlsym_ptr, 0\n"
        "tg_dl_entry dlvsym, tg_real_dlvsym_ptr, 1\n"
        ".purgem tg_dl_entry\n");

#endif
