/*
 * tls_eager.c — the library's TLS descriptors resolved at load, though its
 * function imports are bound lazily (Makefile: -z lazy).
 *
 * A lazily bound object's TLS descriptors are lazy too on glibc < 2.33
 * (x86_64; 2.33 resolves them at load whatever the flag, BZ 27137): the
 * first access to each thread-local, from any thread, runs ld.so's resolver
 * under its load lock and parks other threads on a "hold" entry meanwhile.
 * A fork in that window leaves the child's descriptor on the hold entry
 * with no resolver left to finish it, and the child's next access spins
 * there for ever. So, from the constructor (the process still has one
 * thread when a preload's constructors run; dlopen runs them under the load
 * lock, which the resolver takes recursively), every descriptor in the
 * library's own PLT relocations is called once; afterwards each holds its
 * final entry, as on glibc >= 2.33, where this only re-reads them.
 * tests/install/test_old_glibc.py checks it under glibc 2.31's ld.so.
 */
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(R_X86_64_TLSDESC) && defined(DT_TLSDESC_PLT)

extern ElfW(Dyn) _DYNAMIC[] __attribute__((visibility("hidden")));
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

/* The TLSDESC calling convention: %rax holds the descriptor and comes back
 * as the variable's offset; every other register is preserved. The call
 * stays clear of the red zone and lands on a 16-byte aligned stack, as a
 * compiler's own call site does. */
static void call_descriptor(void *td)
{
    __asm__ volatile("mov %%rsp, %%rbx\n\t"
                     "and $-16, %%rsp\n\t"
                     "sub $128, %%rsp\n\t"
                     "call *(%%rax)\n\t"
                     "mov %%rbx, %%rsp"
                     : "+a"(td)
                     :
                     : "rbx", "memory", "cc");
}

__attribute__((constructor)) static void tg_tls_eager(void)
{
    uintptr_t bias = (uintptr_t)&__ehdr_start, jmprel = 0, size = 0;
    int lazy = 0;
    for (const ElfW(Dyn) *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_JMPREL)
            jmprel = d->d_un.d_ptr;
        else if (d->d_tag == DT_PLTRELSZ)
            size = d->d_un.d_val;
        else if (d->d_tag == DT_TLSDESC_PLT)
            lazy = 1; /* the lazy resolver's entry: descriptors start there */
    }
    if (!lazy || !jmprel)
        return;
    /* ld.so rewrites DT_JMPREL to an address on x86_64; relative if not. */
    const ElfW(Rela) *r = (const ElfW(Rela) *)(jmprel < bias ? jmprel + bias : jmprel);
    for (size_t i = 0; i < size / sizeof *r; i++)
        if (ELF64_R_TYPE(r[i].r_info) == R_X86_64_TLSDESC)
            call_descriptor((void *)(bias + r[i].r_offset));
}

#endif
