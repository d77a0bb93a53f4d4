/*
 * test_coverage.c — the coverage rules shared by the shim's exec notices and
 * doctor (policy/coverage.c): the TLS-library table, secure execution by mode
 * bits, the order of the judgement, and the exec-time reader on this
 * system's real programs (skipped one by one where a program is absent).
 */
#include "unit.h"
#include "coverage.h"

#include <elf.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_table(void)
{
    static const struct {
        const char *soname, *library;
        int covered;
    } cases[] = {
        { "libssl.so.3", "OpenSSL", 1 },
        { "libssl.so.10", "OpenSSL", 1 },
        { "libssl.so", "OpenSSL", 1 },
        { "libssl3.so", "NSS", 1 }, /* NSS's, not OpenSSL's libssl.so.3 */
        { "libgnutls.so.30", "GnuTLS", 1 },
        { "libcurl-gnutls.so.4", "GnuTLS", 1 },
        { "libcurl-nss.so.4", "NSS", 1 },
        { "libnss3.so", "NSS", 1 },
        { "libsslx.so.1", NULL, 0 },
        { "libcurl.so.4", NULL, 0 },
        { "libc.so.6", NULL, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct tg_tls_lib *l = tg_tls_lib_of(cases[i].soname);
        CHECK_STR(l ? l->library : NULL, cases[i].library, cases[i].soname);
        if (l)
            CHECK_INT(l->covered, cases[i].covered, cases[i].soname);
    }
    char names[64];
    CHECK_STR(tg_tls_covered_names(names, sizeof names), "OpenSSL or GnuTLS or NSS", NULL);
}

static void test_secure_exec(void)
{
    CHECK_STR(tg_secure_exec_reason(S_IFREG | 04755, 0), "is setuid", NULL);
    CHECK_STR(tg_secure_exec_reason(S_IFREG | 02755, 0), "is setgid", NULL);
    /* S_ISGID without group-exec is mandatory locking: no gid change. */
    CHECK_STR(tg_secure_exec_reason(S_IFREG | 02745, 0), NULL, "setgid without g+x");
    CHECK_STR(tg_secure_exec_reason(S_IFREG | 0755, 1), "has file capabilities", NULL);
    CHECK_STR(tg_secure_exec_reason(S_IFREG | 0755, 0), NULL, NULL);
}

static void test_judge_order(void)
{
    static const struct tg_tls_lib ossl = { .prefix = "libssl.so",
                                            .library = "OpenSSL",
                                            .covered = 1 };
    struct tg_cov_facts f = { .is_elf = 1 };
    CHECK_INT(tg_cov_judge(&f), TG_COV_STATIC, "no interp, nothing needed");
    f.has_soname = 1;
    CHECK_INT(tg_cov_judge(&f), TG_COV_NO_TLS, "a shared library is not static");
    f.has_soname = 0, f.has_interp = 1, f.n_needed = 1;
    CHECK_INT(tg_cov_judge(&f), TG_COV_NO_TLS, NULL);
    f.covered = &ossl;
    CHECK_INT(tg_cov_judge(&f), TG_COV_COVERED, NULL);
    f.secure = "is setuid";
    CHECK_INT(tg_cov_judge(&f), TG_COV_SECURE_EXEC, "setuid beats a covered library");
    f.is_go = 1;
    CHECK_INT(tg_cov_judge(&f), TG_COV_GO, "Go comes first");
    struct tg_cov_facts script = { .is_elf = 0 };
    CHECK_INT(tg_cov_judge(&script), TG_COV_NO_TLS, "a script is not static");
}

/* The exec-time reader on real files, where they exist. */
static void test_real_programs(void)
{
    static const struct {
        const char *path;
        int uncovered;
        const char *words;
    } cases[] = {
        { "/usr/bin/wget", 0, NULL },
        { "/usr/lib/git-core/git-remote-https", 0, NULL },
        { "/usr/bin/curl", 0, NULL },
        { "/bin/sh", 0, NULL },
        { "/sbin/ldconfig", 1, "is statically linked" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char why[256] = "";
        if (access(cases[i].path, R_OK) != 0) {
            printf("skip %s: not installed\n", cases[i].path);
            continue;
        }
        int r = tg_exec_uncovered_reason(cases[i].path, why, sizeof why);
        CHECK_INT(r, cases[i].uncovered, cases[i].path);
        if (cases[i].words)
            CHECK(strstr(why, cases[i].words) != NULL, why);
    }
    char why[64];
    CHECK_INT(tg_exec_uncovered_reason("/nonexistent/prog", why, sizeof why), 0, NULL);
    CHECK_INT(tg_exec_uncovered_reason("/dev/null", why, sizeof why), 0, "not a regular file");
}

/* A 32-bit ELF executable with one PT_LOAD (static) and, when go is set, a
 * PT_NOTE holding Go's build-ID note; written to a temp file. */
static void write_elf32(const char *path, int interp, int go)
{
    struct {
        Elf32_Ehdr eh;
        Elf32_Phdr ph[3];
        Elf32_Nhdr nh;
        char name[4], desc[8];
        char interp[20];
    } f;
    memset(&f, 0, sizeof f);
    memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
    f.eh.e_ident[EI_CLASS] = ELFCLASS32;
    f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    f.eh.e_ident[EI_VERSION] = EV_CURRENT;
    f.eh.e_type = ET_EXEC;
    f.eh.e_machine = EM_386;
    f.eh.e_phoff = offsetof(__typeof__(f), ph);
    f.eh.e_ehsize = sizeof f.eh;
    f.eh.e_phentsize = sizeof f.ph[0];
    f.eh.e_phnum = 1;
    f.ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD,
                            .p_filesz = sizeof f,
                            .p_memsz = sizeof f,
                            .p_vaddr = 0x8048000,
                            .p_align = 0x1000 };
    if (go) {
        f.ph[f.eh.e_phnum++] = (Elf32_Phdr){ .p_type = PT_NOTE,
                                             .p_offset = offsetof(__typeof__(f), nh),
                                             .p_filesz = 12 + 4 + 8,
                                             .p_align = 4 };
        f.nh = (Elf32_Nhdr){ .n_namesz = 3, .n_descsz = 8, .n_type = 4 };
        memcpy(f.name, "Go", 3);
    }
    if (interp) {
        snprintf(f.interp, sizeof f.interp, "/lib/ld-linux.so.2");
        f.ph[f.eh.e_phnum++] = (Elf32_Phdr){ .p_type = PT_INTERP,
                                             .p_offset = offsetof(__typeof__(f), interp),
                                             .p_filesz = 19 };
    }
    FILE *out = fopen(path, "wb");
    if (out) {
        fwrite(&f, sizeof f, 1, out);
        fclose(out);
    }
}

/* 32-bit programs: static is noticed (the shim once read 64-bit headers
 * only), a dynamic one is not, a Go one is, whatever its linking. */
static void test_elf32(void)
{
    char dir[] = "/tmp/tg-coverage-XXXXXX", path[64], why[256] = "";
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/prog32", dir);
    write_elf32(path, 0, 0);
    CHECK_INT(tg_exec_uncovered_reason(path, why, sizeof why), 1, "32-bit static");
    CHECK(strstr(why, "is statically linked") != NULL, why);
    write_elf32(path, 1, 0);
    CHECK_INT(tg_exec_uncovered_reason(path, why, sizeof why), 0, "32-bit dynamic");
    write_elf32(path, 1, 1);
    CHECK_INT(tg_exec_uncovered_reason(path, why, sizeof why), 1, "32-bit Go");
    CHECK(strstr(why, "is a Go program") != NULL, why);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_elf32();
    test_table();
    test_secure_exec();
    test_judge_order();
    test_real_programs();
    return unit_finish();
}
