/*
 * old_glibc_client.c — a careless TLS client that runs on glibc 2.31 (built
 * here, on any newer glibc) and links neither libssl nor libpthread: it
 * connects, then dlopens libssl.so.1.1 (whose libcrypto brings libpthread
 * in only then), and handshakes without verifying anything.
 *
 *   old_glibc_client PORT NAME   prints "glibc VERSION", "libpthread at start: yes|no",
 *                                "libtlsguard at start: yes|no",
 *                                "libtlsguard TLS descriptors lazy: N of M" (when it
 *                                is mapped: N of its M TLSDESC slots still on its own
 *                                lazy-resolver stub after start, shim/libc/tls_eager.c),
 *                                then
 *                                "handshake ok" (exit 0) or
 *                                "handshake failed: ERROR" (exit 1)
 *   old_glibc_client --none      prints the first three lines only (exit 0)
 *
 * Built with -nostartfiles and its own _start: this glibc's crt1.o would
 * need __libc_start_main@GLIBC_2.34; glibc_compat.h (-include) binds the
 * rest to versions glibc 2.31 has.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <elf.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

__asm__(".symver __libc_start_main,__libc_start_main@GLIBC_2.2.5\n"
        ".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  xor %ebp, %ebp\n  mov %rdx, %r9\n  pop %rsi\n  mov %rsp, %rdx\n"
        "  and $-16, %rsp\n  push %rax\n  push %rsp\n  xor %r8d, %r8d\n  xor %ecx, %ecx\n"
        "  lea main(%rip), %rdi\n  call *__libc_start_main@GOTPCREL(%rip)\n  hlt\n");

static int mapped(const char *what)
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, what) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* The library's TLSDESC slots (its PLT relocations) and how many of them
 * still enter inside the library itself, i.e. its lazy-resolver stub. */
struct slots {
    int total, lazy;
};

static int count_slots(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct slots *n = arg;
    uintptr_t jmprel = 0, relsz = 0, lo = UINTPTR_MAX, hi = 0;
    const ElfW(Dyn) *dyn = NULL;
    (void)size;
    if (!strstr(info->dlpi_name, "libtlsguard"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
        if (ph->p_type == PT_LOAD && info->dlpi_addr + ph->p_vaddr < lo)
            lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
            hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    }
    for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_JMPREL)
            jmprel = dyn->d_un.d_ptr < info->dlpi_addr ? dyn->d_un.d_ptr + info->dlpi_addr
                                                       : dyn->d_un.d_ptr;
        if (dyn->d_tag == DT_PLTRELSZ)
            relsz = dyn->d_un.d_val;
    }
    const ElfW(Rela) *r = (const ElfW(Rela) *)jmprel;
    for (size_t i = 0; r && i < relsz / sizeof *r; i++) {
        if (ELF64_R_TYPE(r[i].r_info) != R_X86_64_TLSDESC)
            continue;
        uintptr_t entry = *(const uintptr_t *)(info->dlpi_addr + r[i].r_offset);
        n->total++;
        n->lazy += entry >= lo && entry < hi;
    }
    return 1;
}

static int dial(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        exit(2);
    }
    return fd;
}

#define SSL_CTRL_SET_TLSEXT_HOSTNAME 55

static int handshake(int fd, const char *name)
{
    void *ssl = dlopen("libssl.so.1.1", RTLD_NOW);
    if (!ssl) {
        printf("dlopen: %s\n", dlerror());
        return 2;
    }
    void *(*method)(void) = (void *(*)(void))dlsym(ssl, "TLS_client_method");
    void *(*ctx_new)(void *) = (void *(*)(void *))dlsym(ssl, "SSL_CTX_new");
    void *(*ssl_new)(void *) = (void *(*)(void *))dlsym(ssl, "SSL_new");
    int (*set_fd)(void *, int) = (int (*)(void *, int))dlsym(ssl, "SSL_set_fd");
    long (*ctrl)(void *, int, long, void *) =
        (long (*)(void *, int, long, void *))dlsym(ssl, "SSL_ctrl");
    int (*connect_tls)(void *) = (int (*)(void *))dlsym(ssl, "SSL_connect");
    unsigned long (*err_get)(void) = (unsigned long (*)(void))dlsym(ssl, "ERR_get_error");
    void (*err_text)(unsigned long, char *, size_t) =
        (void (*)(unsigned long, char *, size_t))dlsym(ssl, "ERR_error_string_n");
    void *s = ssl_new(ctx_new(method()));
    set_fd(s, fd);
    ctrl(s, SSL_CTRL_SET_TLSEXT_HOSTNAME, 0, (void *)name);
    if (connect_tls(s) == 1) {
        printf("handshake ok\n");
        return 0;
    }
    char text[256] = "(no error queued)";
    unsigned long e = err_get();
    if (e)
        err_text(e, text, sizeof text);
    printf("handshake failed: %s\n", text);
    return 1;
}

int main(int argc, char **argv)
{
    printf("glibc %s\n", gnu_get_libc_version());
    printf("libpthread at start: %s\n", mapped("libpthread") ? "yes" : "no");
    printf("libtlsguard at start: %s\n", mapped("libtlsguard") ? "yes" : "no");
    struct slots n = { 0, 0 };
    if (dl_iterate_phdr(count_slots, &n))
        printf("libtlsguard TLS descriptors lazy: %d of %d\n", n.lazy, n.total);
    if (argc == 2 && strcmp(argv[1], "--none") == 0)
        return 0;
    if (argc != 3)
        return 2;
    int rc = handshake(dial(atoi(argv[1])), argv[2]);
    fflush(stdout);
    return rc;
}
