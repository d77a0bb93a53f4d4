#!/usr/bin/env python3
"""End-to-end tests for `tlsguard doctor`.

    python3 tests/e2e/test_doctor.py --build build [--only REGEX] [--keep]

Real programs of this system (curl, python3, wget, git, ruby, perl, psql,
/bin/true, a setuid copy of openssl, static binaries and one with OpenSSL
linked in statically, built here; Python 2.7 from the test cache) plus
synthetic ELF files written by this script (32-bit, big-endian, Go, NSS,
OpenSSL built in, missing libraries, truncated and corrupted headers).

Needs: python3 (stdlib only), openssl, curl, wget, git, ruby, perl with
Net::SSLeay (libnet-ssleay-perl), a C compiler, libssl-dev (libssl.a);
libc6-dev's libc.a for the static cases (skipped, with the reason, without it).

Prints `ok NAME`, `FAIL NAME: why` or `skip NAME: why` per case, then
`N passed, N failed`; exits 1 if anything failed.
"""

import os
import random
import re
import shutil
import stat
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from cli_lib import Fail, Skip, ToolSuite, expect, need, run, run_suite  # noqa: E402
import tgtest  # noqa: E402


# --------------------------------------------------------------------------
# Synthetic ELF files

def make_elf(bits=64, endian="<", machine=62, interp=None, needed=(), sections=None,
             dynamic=None):
    """An ELF file with one PT_LOAD over the whole file, PT_INTERP when interp
    is given, PT_DYNAMIC (DT_NEEDED..., DT_STRTAB, DT_STRSZ) when needed is given
    or dynamic is True, and named PROGBITS sections (name -> bytes)."""
    e = endian
    is64 = bits == 64
    ehsize, phsize, shsize = (64, 56, 64) if is64 else (52, 32, 40)
    base = 0x400000
    sections = dict(sections or {})
    dynamic = bool(needed) if dynamic is None else dynamic
    nph = 1 + (interp is not None) + dynamic
    blob = bytearray()
    off0 = ehsize + nph * phsize

    def place(data, align=8):
        while (off0 + len(blob)) % align:
            blob.append(0)
        at = off0 + len(blob)
        blob.extend(data)
        return at

    phdrs = []
    if interp is not None:
        data = interp.encode() + b"\0"
        phdrs.append((3, place(data, 1), len(data)))              # PT_INTERP
    sec_at = {name: (place(data), len(data)) for name, data in sections.items()}
    if dynamic:
        strtab = bytearray(b"\0")
        offs = []
        for n in needed:
            offs.append(len(strtab))
            strtab.extend(n.encode() + b"\0")
        str_at = place(bytes(strtab), 1)
        dfmt = e + ("qQ" if is64 else "iI")
        ents = [(1, o) for o in offs] + [(5, base + str_at), (10, len(strtab)), (0, 0)]
        dyn = b"".join(struct.pack(dfmt, t, v) for t, v in ents)
        phdrs.append((2, place(dyn), len(dyn)))                   # PT_DYNAMIC
    shstr = bytearray(b"\0")
    names = {}
    for name in list(sections) + [".shstrtab"]:
        names[name] = len(shstr)
        shstr.extend(name.encode() + b"\0")
    shstr_at = place(bytes(shstr), 1)
    shoff = place(b"", 8)
    shdrs = [(0, 0, 0, 0)]
    for name, (at, size) in sec_at.items():
        shdrs.append((names[name], 1, at, size))                  # SHT_PROGBITS
    shdrs.append((names[".shstrtab"], 3, shstr_at, len(shstr)))   # SHT_STRTAB
    sh = b""
    for name, typ, at, size in shdrs:
        if is64:
            sh += struct.pack(e + "IIQQQQIIQQ", name, typ, 0, 0, at, size, 0, 0, 1, 0)
        else:
            sh += struct.pack(e + "IIIIIIIIII", name, typ, 0, 0, at, size, 0, 0, 1, 0)
    blob.extend(sh)
    total = off0 + len(blob)
    phdrs.insert(0, (1, 0, total))                                # PT_LOAD
    ph = b""
    for typ, at, size in phdrs:
        if is64:
            ph += struct.pack(e + "IIQQQQQQ", typ, 4, at, base + at, base + at, size, size, 8)
        else:
            ph += struct.pack(e + "IIIIIIII", typ, at, base + at, base + at, size, size, 4, 4)
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1 if e == "<" else 2, 1]) + bytes(9)
    etype = 3 if interp or dynamic else 2                         # ET_DYN / ET_EXEC
    if is64:
        eh = ident + struct.pack(e + "HHIQQQIHHHHHH", etype, machine, 1, base, ehsize, shoff, 0,
                                 ehsize, phsize, nph, shsize, len(shdrs), len(shdrs) - 1)
    else:
        eh = ident + struct.pack(e + "HHIIIIIHHHHHH", etype, machine, 1, base, ehsize, shoff, 0,
                                 ehsize, phsize, nph, shsize, len(shdrs), len(shdrs) - 1)
    return bytes(eh + ph + blob)


# --------------------------------------------------------------------------
class Suite(ToolSuite):

    # ---- doctor: real programs ---------------------------------------------

    def doctor(self, prog, env_extra=None):
        rc, out, err = self.tg("doctor", prog, env_extra=env_extra)
        return rc, out, err, (out.splitlines() or [""])[0]

    def test_doctor_curl(self):
        need("curl")
        rc, out, err, first = self.doctor("curl")
        expect(rc == 0, f"exit {rc}: {out}{err}")
        expect(first == "covered: curl links libssl.so.3 (OpenSSL 3.x) via libcurl.so.4",
               "verdict: " + first)
        expect(re.search(r"^  libssl: +libssl\.so\.3 => /\S+libssl\.so\.3", out, re.M),
               "no libssl path in the evidence:\n" + out)

    def test_doctor_python3(self):
        need("python3")
        rc, out, err, first = self.doctor("python3")
        expect(rc == 0, f"exit {rc}: {out}{err}")
        expect(first == "covered: python3 loads libssl.so.3 (OpenSSL 3.x) lazily through its "
                        "_ssl module", "verdict: " + first)
        expect(re.search(r"^  _ssl: +/\S+_ssl", out, re.M), "no _ssl path:\n" + out)

    def test_doctor_static(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise Skip("no C compiler")
        src = self.file("static.c", "int main(void) { return 0; }\n")
        exe = os.path.join(self.tmp, "static-hello")
        rc, _, err = run([cc, "-static", "-o", exe, src])
        if rc != 0:
            raise Skip("cannot link statically here (libc6-dev's libc.a missing?): "
                       + err.strip().splitlines()[-1])
        rc, out, err, first = self.doctor(exe)
        expect(rc == 1, f"exit {rc}: {out}{err}")
        expect(first == f"not covered: {exe} is statically linked: LD_PRELOAD cannot reach it",
               "verdict: " + first)

    def test_doctor_wget_gnutls(self):
        need("wget")
        rc, out, err, first = self.doctor("wget")
        expect(rc == 0, f"exit {rc}: {out}{err}")
        expect(first.startswith("covered: wget links libgnutls.so.30 (GnuTLS"),
               "verdict: " + first)

    def test_doctor_gnutls_release(self):
        """GnuTLS programs name the release their libgnutls is, as gnutls-cli states it."""
        cli = need("gnutls-cli")
        rc, out, _ = run([cli, "--version"])
        m = re.search(r"gnutls-cli (\d+\.\d+\.\d+)", out)
        expect(m, "gnutls-cli --version: " + out)
        for prog in ("gnutls-cli", "wget"):
            rc, out, err, first = self.doctor(need(prog))
            expect(rc == 0 and first.startswith("covered: ")
                   and first.endswith("links libgnutls.so.30 (GnuTLS %s)" % m.group(1)),
                   f"{prog}: exit {rc}: {out}{err}")
            expect(re.search(r'^  version: +/\S+libgnutls\.so\.30 says "Enabled GnuTLS %s"$'
                             % re.escape(m.group(1)), out, re.M), "evidence:\n" + out)

    def test_doctor_nss_release(self):
        """NSS programs name the NSS release (its libssl3.so's version mark), as
        pkg-config states it for the installed libnss3."""
        need("tstclnt")
        rc, want, _ = run(["pkg-config", "--modversion", "nss"])
        expect(rc == 0 and want.strip(), "pkg-config --modversion nss: " + want)
        rc, out, err, first = self.doctor("tstclnt")
        expect(rc == 0 and first == "covered: tstclnt links libssl3.so (NSS %s)" % want.strip(),
               f"exit {rc}: {out}{err}")

    def test_doctor_release_fallbacks(self):
        """No release text: NSS's newest symbol version is a floor ("or later");
        a GnuTLS release text of another release is read as that one."""
        d = os.path.join(self.tmp, "rel-libs")
        os.makedirs(d, exist_ok=True)
        real = "/lib/x86_64-linux-gnu/libssl3.so"
        if not os.path.exists(real):
            raise Skip(real + " absent")
        data = open(real, "rb").read()
        expect(b"Version: NSS " in data, "no version mark in " + real)
        self.file("rel-libs/libssl3.so", data.replace(b"Version: NSS ", b"Version: XXX "), 0o755)
        self.file("rel-libs/libgnutls.so.30", make_elf(
            dynamic=True, needed=["libc.so.6"],
            sections={".rodata": b"\0Enabled GnuTLS 3.6.16 logging...\n\0"}), 0o755)
        env = {"LD_LIBRARY_PATH": d}
        nss = self.elf("nss-norel", interp=self.INTERP64, needed=["libssl3.so", "libc.so.6"])
        rc, out, err, first = self.doctor(nss, env_extra=env)
        expect(rc == 0 and re.fullmatch(r"covered: \S+ links libssl3\.so \(NSS 3\.\d+ or later\)",
                                        first), f"exit {rc}: {out}{err}")
        expect(re.search(r"^  version: .*defines symbol version NSS_3\.\d+, no release text$",
                         out, re.M), "evidence:\n" + out)
        gt = self.elf("gnutls-old", interp=self.INTERP64, needed=["libgnutls.so.30", "libc.so.6"])
        rc, out, err, first = self.doctor(gt, env_extra=env)
        expect(rc == 0 and first == f"covered: {gt} links libgnutls.so.30 (GnuTLS 3.6.16)",
               f"exit {rc}: {out}{err}")

    def test_doctor_front_end_names_its_library(self):
        """libcurl-nss does its TLS through NSS though GnuTLS comes first in its tree."""
        d = os.path.join(self.tmp, "fe-libs")
        os.makedirs(d, exist_ok=True)
        self.file("fe-libs/libcurl-nss.so.4",
                  make_elf(dynamic=True, needed=["libgnutls.so.30", "libnss3.so"]), 0o755)
        prog = self.elf("curl-nss-fe", interp=self.INTERP64, needed=["libcurl-nss.so.4", "libc.so.6"])
        rc, out, err, first = self.doctor(prog, env_extra={"LD_LIBRARY_PATH": d})
        expect(rc == 0 and first.startswith(f"covered: {prog} links libnss3.so (NSS")
               and first.endswith("via libcurl-nss.so.4"), f"exit {rc}: {out}{err}")

    def test_doctor_no_tls(self):
        rc, out, err, first = self.doctor("/bin/true")
        expect(rc == 1, f"exit {rc}: {out}{err}")
        expect(first == "not covered: /bin/true does not link any TLS library", "verdict: " + first)
        expect("dlopen" in out, "does not mention dlopen:\n" + out)

    def test_doctor_setuid(self):
        exe = os.path.join(self.tmp, "openssl-setuid")
        shutil.copy(need("openssl"), exe)
        os.chmod(exe, 0o4755)
        expect(os.stat(exe).st_mode & stat.S_ISUID, "could not set the setuid bit here")
        rc, out, err, first = self.doctor(exe)
        expect(rc == 1, f"exit {rc}: {out}{err}")
        expect(first == f"not covered: {exe} is setuid: the dynamic linker ignores LD_PRELOAD "
                        "for it (use /etc/ld.so.preload)", "verdict: " + first)
        expect("libssl.so.3" in out, "the evidence does not show it links libssl:\n" + out)

    def test_doctor_not_found(self):
        for prog in ("tlsguard-no-such-program", os.path.join(self.tmp, "no-such-file")):
            rc, out, err, first = self.doctor(prog)
            expect(rc == 2 and "not found" in err and out == "", f"{prog}: exit {rc}: {out}{err}")
        rc, out, err = self.tg("doctor")
        expect(rc == 2 and "usage" in err, f"no argument: exit {rc}")

    def test_doctor_not_a_program(self):
        path = self.file("notes.txt", "hello\n", 0o755)
        rc, out, err, first = self.doctor(path)
        expect(rc == 2 and "not an ELF" in err, f"exit {rc}: {out}{err}")

    def test_doctor_shell_script(self):
        path = self.file("script.sh", "#!/bin/sh\necho hi\n", 0o755)
        rc, out, err, first = self.doctor(path)
        expect(rc == 1 and first.startswith(f"not covered: {path} (a script run by /bin/sh)"),
               f"exit {rc}: {first}")

    def test_doctor_python_script(self):
        need("python3")
        path = self.file("tool.py", "#!/usr/bin/env python3\nprint('hi')\n", 0o755)
        rc, out, err, first = self.doctor(path)
        expect(rc == 0 and first.startswith(f"covered: {path} (a script run by ")
               and first.endswith("lazily through its _ssl module"), f"exit {rc}: {out}{err}")

    def test_doctor_indirect_runpath_chain(self):
        """prog -> libmid.so (found through RUNPATH $ORIGIN/lib) -> libssl.so.3."""
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise Skip("no C compiler")
        d = os.path.join(self.tmp, "chain")
        os.makedirs(os.path.join(d, "lib"))
        self.file("chain/mid.c", "#include <openssl/ssl.h>\n"
                  "int mid(void) { return SSL_CTX_new(TLS_client_method()) != 0; }\n")
        self.file("chain/prog.c", "int mid(void);\nint main(void) { return mid(); }\n")
        rc, _, err = run([cc, "-shared", "-fPIC", "-o", f"{d}/lib/libmid.so", f"{d}/mid.c",
                          "-Wl,--no-as-needed", "-lssl", "-lcrypto"])
        expect(rc == 0, "cannot build libmid.so: " + err[-300:])
        rc, _, err = run([cc, "-o", f"{d}/prog", f"{d}/prog.c", f"-L{d}/lib", "-lmid",
                          "-Wl,--enable-new-dtags,-rpath,$ORIGIN/lib"])
        expect(rc == 0, "cannot build prog: " + err[-300:])
        rc, out, err, first = self.doctor(f"{d}/prog")
        expect(rc == 0 and first == f"covered: {d}/prog links libssl.so.3 (OpenSSL 3.x) via libmid.so",
               f"exit {rc}: {out}{err}")

    # ---- doctor: the fixes of issue 15 --------------------------------------

    def cc(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise Skip("no C compiler")
        return cc

    def test_doctor_openssl_linked_statically(self):
        """cc prog.c -Wl,-Bstatic -lssl -lcrypto: no version text is linked in
        (OpenSSL 3's libcrypto keeps it in cversion.o), yet OpenSSL is there."""
        cc = self.cc()
        src = self.file("sossl.c", "#include <openssl/ssl.h>\n"
                        "int main(void) { return SSL_CTX_new(TLS_client_method()) == 0; }\n")
        exe = os.path.join(self.tmp, "some-tool")
        rc, _, err = run([cc, "-o", exe, src, "-Wl,-Bstatic", "-lssl", "-lcrypto",
                          "-Wl,-Bdynamic"])
        if rc != 0:
            raise Skip("cannot link libssl.a here (libssl-dev missing?): "
                       + err.strip().splitlines()[-1])
        stripped = exe + "-stripped"
        rc, _, err = run(["strip", "-o", stripped, exe])
        expect(rc == 0, "strip failed: " + err)
        for path in (exe, stripped):
            rc, out, err, first = self.doctor(path)
            expect(rc == 1 and first == f"not covered: {path} has OpenSSL linked statically "
                                        "(built in): LD_PRELOAD cannot reach it",
                   f"exit {rc}: {out}{err}")
        # The shim names SSL_CTX_new (it interposes it) but has no OpenSSL in it.
        lib = os.path.join(os.path.dirname(self.tool), "libtlsguard.so")
        rc, out, err, first = self.doctor(lib)
        expect(first.endswith("does not link any TLS library"), "libtlsguard.so: " + first)

    def test_doctor_ruby(self):
        need("ruby")
        rc, out, err, first = self.doctor("ruby")
        expect(rc == 0 and re.match(r"covered: ruby loads libssl\.so\.3 \(OpenSSL 3\.x\) lazily "
                                    r"through its openssl module$", first), f"exit {rc}: {out}{err}")
        expect(re.search(r"^  openssl: +/\S+/openssl\.so \(reported by ", out, re.M),
               "no openssl.so path:\n" + out)

    def test_doctor_perl(self):
        need("perl")
        rc, out, err, first = self.doctor("perl")
        if "has no Net::SSLeay module" in first:
            raise Fail("Net::SSLeay is not installed (the CI installs libnet-ssleay-perl)")
        expect(rc == 0 and first == "covered: perl loads libssl.so.3 (OpenSSL 3.x) lazily through "
                                    "its Net::SSLeay module", f"exit {rc}: {out}{err}")
        expect(re.search(r"^  Net::SSLeay: /\S+/SSLeay\.so", out, re.M), "no SSLeay.so:\n" + out)

    def test_doctor_perl_env_ignored(self):
        """PERL5OPT would run code of the environment's choosing: not passed on."""
        need("perl")
        rc, out, err, first = self.doctor("perl", env_extra={"PERL5OPT": "-Mtlsguard_no_such_mod"})
        expect(rc == 0 and first.startswith("covered: perl"), f"exit {rc}: {out}{err}")

    def test_doctor_git_https_helper(self):
        need("git")
        helper = "/usr/lib/git-core/git-remote-https"
        if not os.access(helper, os.X_OK):
            raise Skip(helper + " absent (not Debian's git)")
        rc, out, err, first = self.doctor("git")
        expect(rc == 0 and first.startswith("covered: git (its https transport %s) links " % helper)
               and "GnuTLS" in first,
               f"exit {rc}: {out}{err}")
        expect(f"git makes its https:// connections in {helper}" in out, "evidence:\n" + out)

    def test_doctor_missing_library(self):
        path = self.elf("needs-absent", interp=self.INTERP64,
                        needed=["libtlsguard-absent.so.1", "libc.so.6"])
        rc, out, err, first = self.doctor(path)
        expect(rc == 1 and first == f"not covered: {path} cannot start here: libtlsguard-absent.so.1 "
                                    f"(needed by {path}) is not found, so which TLS library it uses "
                                    "cannot be told", f"exit {rc}: {out}{err}")
        # Found through LD_LIBRARY_PATH, it is judged by what it links.
        d = os.path.join(self.tmp, "absent-lib")
        os.makedirs(d, exist_ok=True)
        self.file("absent-lib/libtlsguard-absent.so.1",
                  make_elf(dynamic=True, needed=["libssl.so.3"]), 0o755)
        rc, out, err, first = self.doctor(path, env_extra={"LD_LIBRARY_PATH": d})
        expect(rc == 0 and first.startswith(f"covered: {path} links libssl.so.3"),
               f"with LD_LIBRARY_PATH: exit {rc}: {out}{err}")

    def test_doctor_python2(self):
        prefix, skip = tgtest.vendor_build("python-2.7.6")
        if skip:
            raise Skip(skip)
        py2 = os.path.join(prefix, "bin", "python2.7")
        rc, out, err, first = self.doctor(py2)
        expect(rc == 0 and first.startswith(f"covered: {py2} loads libssl.so.1.0.0 ")
               and first.endswith("lazily through its _ssl module"), f"exit {rc}: {out}{err}")

    def test_doctor_psql_wrapper(self):
        psql = shutil.which("psql")
        if not psql:
            raise Skip("postgresql-client is not installed")
        rc, out, err, first = self.doctor("psql")
        expect(rc == 0 and first.startswith("covered: psql") and "libssl.so.3" in first,
               f"exit {rc}: {out}{err}")
        expect("sslmode=require" in out, "no word on sslmode=prefer's cleartext retry:\n" + out)


    # ---- doctor: synthetic ELF files ---------------------------------------

    INTERP64 = "/lib64/ld-linux-x86-64.so.2"

    def elf(self, name, **kw):
        return self.file(name, make_elf(**kw), 0o755)

    def test_doctor_elf32_nss(self):
        path = self.elf("nss32", bits=32, machine=3, interp="/lib/ld-linux.so.2",
                        needed=["libssl3.so", "libnss3.so", "libc.so.6"])
        rc, out, err, first = self.doctor(path)
        expect(rc == 0 and first.startswith(f"covered: {path} links libssl3.so (NSS"),
               f"libssl3.so taken for OpenSSL? exit {rc}: {out}{err}")
        expect("32-bit" in out, "not read as 32-bit:\n" + out)

    def test_doctor_elf64_big_endian_rhel7(self):
        path = self.elf("rhel7-be", bits=64, endian=">", machine=21, interp="/lib64/ld64.so.1",
                        needed=["libssl.so.10", "libc.so.6"])
        rc, out, err, first = self.doctor(path)
        expect(rc == 0 and first == f"covered: {path} links libssl.so.10 (RHEL/CentOS 7 OpenSSL 1.0.2)",
               f"exit {rc}: {out}{err}")
        expect("MSB" in out and "NOT FOUND" in out, "evidence:\n" + out)

    def test_doctor_centos6_soname(self):
        # The soname table is the shim's own list (common/libssl_sonames.c):
        # CentOS 6's libssl.so.1.0.1e is named as the release it is.
        path = self.elf("centos6", interp=self.INTERP64, needed=["libssl.so.1.0.1e", "libc.so.6"])
        rc, out, err, first = self.doctor(path)
        expect(rc == 0 and first == f"covered: {path} links libssl.so.1.0.1e (CentOS 6 OpenSSL 1.0.1e)",
               f"exit {rc}: {out}{err}")

    def test_doctor_go(self):
        path = self.elf("goprog", interp=self.INTERP64, needed=["libc.so.6"],
                        sections={".go.buildinfo": b"\xff Go buildinf:" + bytes(18)})
        rc, out, err, first = self.doctor(path)
        expect(rc == 1 and first == f"not covered: {path} is a Go program (crypto/tls): "
                                    "LD_PRELOAD cannot reach it", f"exit {rc}: {out}{err}")
        stripped = self.elf("gostripped", sections={".data": bytes(64) + b"\xff Go buildinf:"})
        rc, out, err, first = self.doctor(stripped)
        expect(rc == 1 and "is a Go program" in first, f"build-info magic alone: {first}")

    def test_doctor_static_with_openssl(self):
        path = self.elf("static-ossl", sections={
            ".rodata": b"\0OpenSSL 1.1.1w  11 Sep 2023\0", ".text": b"\x90" * 16})
        rc, out, err, first = self.doctor(path)
        expect(rc == 1 and first == f"not covered: {path} is statically linked with OpenSSL built "
                                    "in: LD_PRELOAD cannot reach it", f"exit {rc}: {out}{err}")

    def test_doctor_openssl_built_in(self):
        path = self.elf("nodeish", interp=self.INTERP64, needed=["libstdc++.so.6", "libc.so.6"],
                        sections={".rodata": b"x\0OpenSSL 3.0.15+quic 3 Sep 2024\0"})
        rc, out, err, first = self.doctor(path)
        expect(rc == 1 and first == f"not covered: {path} has OpenSSL linked statically (built in): "
                                    "LD_PRELOAD cannot reach it", f"exit {rc}: {out}{err}")
        banner = self.elf("banner", interp=self.INTERP64, needed=["libc.so.6"],
                          sections={".rodata": b"built with OpenSSL 3.0 support\0"})
        rc, out, err, first = self.doctor(banner)
        expect(first.endswith("does not link any TLS library"), "a banner is not OpenSSL: " + first)

    def test_doctor_malformed_elf(self):
        """Truncated and corrupted files: an answer or exit 2, never a crash."""
        good = make_elf(interp=self.INTERP64, needed=["libssl.so.3", "libc.so.6"],
                        sections={".rodata": b"abc"})
        real = open(need("curl"), "rb").read(65536)
        rnd = random.Random(1234)
        variants = [good[:n] for n in (5, 16, 40, 63, 64, 100, 150, 200, len(good) - 30)]
        variants += [real[:n] for n in (64, 500, 4096)]
        for _ in range(40):
            b = bytearray(good)
            for _ in range(rnd.randint(1, 6)):
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            variants.append(bytes(b))
        for i, data in enumerate(variants):
            path = self.file(f"bad{i}", data, 0o755)
            rc, out, err, first = self.doctor(path)   # raises on a signal
            expect(rc in (0, 1, 2), f"variant {i}: exit {rc}")
            expect(rc == 2 or first.startswith(("covered: ", "not covered: ")),
                   f"variant {i}: exit {rc} without a verdict: {out}{err}")


def main():
    return run_suite(Suite, __doc__, "tlsguard-doctor-")


if __name__ == "__main__":
    sys.exit(main())
