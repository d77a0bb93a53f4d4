#!/usr/bin/env python3
"""Robustness checks for libtlsguard.so: the shim never breaks the host program.

    python3 tests/robust/run.py robust   [--build build]   # make check-robust
    python3 tests/robust/run.py asan     [--build build]   # make check-asan  (builds build-asan/)
    python3 tests/robust/run.py tsan     [--build build]   # make check-tsan  (builds build/tsan/)
    python3 tests/robust/run.py valgrind [--build build]   # make check-valgrind

robust    threads (32 x 500 handshakes, shared and per-thread SSL_CTX, half to bad
          peers), fork and exec, OpenSSL used from constructors before the shim's
          own, a host whose stderr is closed or a full pipe nobody reads, a host that
          detaches like daemon(3), and the shim's exported symbols.
asan      the shim built with -fsanitize=address,undefined -fno-sanitize-recover=all
          (gcc), the sanitizer runtime linked statically into the shim itself, so that
          LD_PRELOAD=build-asan/libtlsguard.so puts it first in the process and the
          end-to-end suite runs unchanged (tests/e2e/run.py --build build-asan); then
          the C programs of this directory under it, with leak detection on.
tsan      the shim and a threaded client built with clang -fsanitize=thread: no race
          report.
valgrind  memcheck over 1 000 good and 1 000 blocked handshakes under the shim: no
          invalid access, no definite leak (valgrind.supp: OpenSSL/libc noise only).

Peers are real `openssl s_server` processes on 127.0.0.1 (free ports), the test PKI is
tests/lib/pki.sh's, OpenSSL 1.1.1 comes from tests/lib/fetch-openssl11.sh. Each check
prints `ok   NAME` or `FAIL NAME: why`; the run ends with `N passed, N failed` and
exits 1 if anything failed. Python 3 standard library only.
"""

import argparse
import fcntl
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from tgtest import free_port, is_listening, old_openssl_builds, openssl_builds, stop_group  # noqa: E402

CFLAGS = ["-std=gnu99", "-D_GNU_SOURCE", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-Wshadow",
          "-Wno-deprecated-declarations"]
# The shim's own flags (Makefile: CSTD WARN HARDEN), for the sanitizer builds.
SHIM_CFLAGS = ["-std=gnu99", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wshadow", "-Wundef",
               "-fstack-protector-strong", "-fPIC", "-fvisibility=hidden", "-Ishim/core", "-Ishim/openssl", "-Ishim/libc", "-Ipolicy", "-Icommon"]


# --------------------------------------------------------------------------
# Reporting.

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, name, why=None):
        if why is None:
            self.passed += 1
            print("ok   %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why.rstrip()), flush=True)

    def note(self, text):
        print("note: %s" % text, flush=True)

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def indent(text, limit=4000):
    text = text.strip("\n")
    if len(text) > limit:
        text = text[:limit] + "\n... (%d more chars)" % (len(text) - limit)
    return "".join("\n      | " + l for l in text.split("\n"))


def sh(argv, what, env=None, cwd=REPO):
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):%s" % (what, p.returncode,
                                                     indent(p.stdout.decode(errors="replace"))))
    return p.stdout.decode(errors="replace")


# --------------------------------------------------------------------------
# OpenSSL builds and programs.

def build_programs(outdir, ossl, cc="cc", extra=(), progs=("rb_client", "rb_threads", "rb_fork", "rb_daemon",
                                                          "rb_twolibs", "rb_ctor")):
    """rb_client, rb_threads, rb_fork, rb_daemon, rb_twolibs, rb_ctor (+ librb_ctor.so), or
    those of `progs`, into outdir."""
    os.makedirs(outdir, exist_ok=True)
    common = os.path.join(HERE, "rb_common.c")
    flags = CFLAGS + list(extra) + ossl.cflags + ["-I" + HERE]
    for prog in progs:
        if prog == "rb_ctor":
            continue
        sh([cc] + flags + ["-pthread", "-o", os.path.join(outdir, prog),
                           os.path.join(HERE, prog + ".c"), common] + ossl.ldflags + ["-ldl"],
           "building %s (%s)" % (prog, ossl.name))
    if "rb_ctor" not in progs:
        return outdir
    sh([cc] + flags + ["-fPIC", "-shared", "-o", os.path.join(outdir, "librb_ctor.so"),
                       os.path.join(HERE, "rb_ctor_lib.c"), common] + ossl.ldflags,
       "building librb_ctor.so (%s)" % ossl.name)
    sh([cc] + flags + ["-o", os.path.join(outdir, "rb_ctor"), os.path.join(HERE, "rb_ctor.c"),
                       "-L" + outdir, "-Wl,-rpath," + os.path.abspath(outdir), "-lrb_ctor"]
       + ossl.ldflags, "building rb_ctor (%s)" % ossl.name)
    return outdir


# --------------------------------------------------------------------------
# Peers.

class Server:
    """`openssl s_server -quiet` with one certificate of the test PKI."""

    def __init__(self, name, cert, args, tmp, pki):
        self.name, self.cert, self.args, self.tmp, self.pki = name, cert, args, tmp, pki
        self.proc = None
        self.port = 0
        self.out = os.path.join(tmp, "server-%s.out" % name)

    @property
    def addr(self):
        return "localhost:%d" % self.port

    def start(self):
        for _ in range(5):
            self.port = free_port()
            cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port, "-quiet",
                   "-cert", os.path.join(self.pki, self.cert + ".pem"),
                   "-key", os.path.join(self.pki, self.cert + ".key")] + self.args
            with open(self.out, "ab") as out, open(self.out + ".err", "ab") as err:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                             start_new_session=True)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self.proc.poll() is None:
                if is_listening(self.port):
                    return self
                time.sleep(0.02)
            self.stop()
        raise RuntimeError("s_server %s did not start" % self.name)

    def stop(self):
        stop_group(self.proc)

    def received(self, marker):
        try:
            with open(self.out, "rb") as f:
                return f.read().count(marker)
        except OSError:
            return 0


class Setup:
    """A temp dir, the test PKI, the peers, and the environment clients run in."""

    def __init__(self, keep=False):
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix="tlsguard-robust-")
        self.pki = os.path.join(self.tmp, "pki")
        self.servers = {}

    def __enter__(self):
        sh(["sh", os.path.join(TESTS, "lib", "pki.sh"), self.pki], "making the test PKI")
        for name, cert, args in [("good13", "good", []), ("good12", "good", ["-tls1_2"]),
                                 ("selfsigned", "selfsigned", []), ("wrongname", "wrongname", [])]:
            self.servers[name] = Server(name, cert, args, self.tmp, self.pki).start()
        return self

    def __exit__(self, *exc):
        for s in self.servers.values():
            s.stop()
        if self.keep:
            print("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def addr(self, name):
        return self.servers[name].addr

    def env(self, ossl=None, preload=None, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TLSGUARD_") and k not in (
                   "LD_PRELOAD", "LD_LIBRARY_PATH", "OPENSSL_CONF", "SSL_CERT_DIR", "SSL_CERT_FILE")}
        env["SSL_CERT_FILE"] = os.path.join(self.pki, "ca.pem")
        # No policy file of the machine's: the built-in policy only.
        env["TLSGUARD_POLICY"] = os.path.join(self.tmp, "empty.policy")
        open(env["TLSGUARD_POLICY"], "a").close()
        if ossl:
            env.update(ossl.env)
        if preload:
            env["LD_PRELOAD"] = preload
        env.update(extra)
        return env


def run(argv, env, timeout, **kw):
    """(exit code or None on timeout, stdout+stderr text, seconds)."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=kw.pop("stderr", subprocess.STDOUT),
                         stdin=subprocess.DEVNULL, start_new_session=True, **kw)
    try:
        out, _ = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        rc = None
    return rc, out.decode(errors="replace"), time.monotonic() - t0


def expect_pass(rc, out):
    if rc == 0:
        return None
    return "%s%s" % ("timed out" if rc is None else "exit %d" % rc, indent(out))


# --------------------------------------------------------------------------
# check-robust

def exported_symbols(lib):
    out = sh(["nm", "-D", "--defined-only", lib], "nm -D %s" % lib)
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms.add(parts[2].split("@")[0])
    return syms


def map_globals(path):
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    m = re.search(r"global:(.*?)local:", text, re.S)
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", m.group(1))) if m else set()


def library_exports(paths):
    names = set()
    for p in paths:
        if os.path.exists(p):
            names |= exported_symbols(p)
    return names


def check_exports(rep, lib, builds):
    """nm -D --defined-only lists exactly shim/exports.map's names, and each is a
    function the shim interposes: one libssl (3.0 or 1.1) exports, or one of
    libc's (connect, the resolver, the exec family): no helper of its own."""
    syms = exported_symbols(lib)
    allowed = map_globals(os.path.join(REPO, "shim", "exports.map"))
    ssl = library_exports(["/usr/lib/x86_64-linux-gnu/libssl.so.3"] +
                          [os.path.join(o.root, "usr/lib/x86_64-linux-gnu/libssl.so.1.1") for o in builds if o.root])
    libc = library_exports(["/lib/x86_64-linux-gnu/libc.so.6"])
    extra = sorted(syms - allowed)
    rep("exports/only-what-exports.map-lists",
        None if not extra else "exported but not in shim/exports.map: %s" % " ".join(extra))
    not_interposed = sorted(s for s in syms if s not in ssl and s not in libc)
    rep("exports/each-is-an-interposed-libssl-or-libc-function",
        None if not not_interposed else "neither a libssl nor a libc function: %s" % " ".join(not_interposed))
    rep.note("exported: %d libssl functions, libc: %s" % (len(syms & ssl), " ".join(sorted(syms - ssl))))
    missing = sorted(allowed - syms)
    rep("exports/every-interposed-function-is-exported",
        None if not missing else "listed in exports.map but not exported: %s" % " ".join(missing))


def fill_pipe(wfd):
    """Fill a pipe to the last byte; leave the fd blocking, as a program's stderr is."""
    flags = fcntl.fcntl(wfd, fcntl.F_GETFL)
    fcntl.fcntl(wfd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    total = 0
    for chunk in (65536, 4096, 1):
        while True:
            try:
                total += os.write(wfd, b"x" * chunk)
            except BlockingIOError:
                break
    fcntl.fcntl(wfd, fcntl.F_SETFL, flags)
    return total


def run_with_full_stderr(argv, env, timeout):
    r, w = os.pipe()
    try:
        size = fill_pipe(w)
        rc, out, secs = run(argv, env, timeout, stderr=w)
    finally:
        os.close(w)
        os.close(r)
    return rc, out, secs, size


def threads_and_fork(rep, st, o, b, env, per):
    """rb_threads (32 threads x `per` handshakes; then the first OpenSSL call
    from 32 threads at once) and rb_fork on OpenSSL `o`, programs in `b`."""
    good, bad = "%s,%s" % (st.addr("good13"), st.addr("good12")), "%s,%s" % (st.addr("selfsigned"), st.addr("wrongname"))
    rc, out, secs = run([os.path.join(b, "rb_threads"), good, bad, "32", str(per)], env, 240)
    rep("%s/threads/32x%d-shared-and-per-thread-ctx" % (o.name, per), expect_pass(rc, out))
    for line in out.splitlines():
        if " handshakes in " in line:
            rep.note(line)
    rc, out, secs = run([os.path.join(b, "rb_threads"), good, bad, "32", "10", "--no-shared"], env, 120)
    rep("%s/threads/first-openssl-call-from-32-threads-at-once" % o.name, expect_pass(rc, out))

    rc, out, secs = run([os.path.join(b, "rb_fork"), st.addr("good13"), st.addr("selfsigned"),
                         "--helper-peer", st.addr("good12")], env, 120)
    rep("%s/fork/parent-children-and-exec" % o.name, expect_pass(rc, out))


def robust_checks(rep, st, build, bins, builds, old=()):
    lib = os.path.abspath(os.path.join(build, "libtlsguard.so"))
    check_exports(rep, lib, builds)
    good, bad = "%s,%s" % (st.addr("good13"), st.addr("good12")), "%s,%s" % (st.addr("selfsigned"), st.addr("wrongname"))

    for o in builds:
        b = bins[o.name]
        env = st.env(o, lib)
        # Threads: the full load on OpenSSL 3, a lighter one on 1.1.1.
        threads_and_fork(rep, st, o, b, env, 500 if o.name == "ossl3" else 100)

        rc, out, secs = run([os.path.join(b, "rb_ctor")], st.env(o, lib, RB_GOOD=st.addr("good13"),
                                                                  RB_BAD=st.addr("wrongname")), 60)
        rep("%s/constructor/openssl-before-main-and-before-the-shim" % o.name, expect_pass(rc, out))

        # Two libssl copies: the program's calls must reach the one it links.
        other = [x for x in builds if x is not o][0]
        other_lib = (os.path.join(other.root, "usr/lib/x86_64-linux-gnu/libssl.so.1.1") if other.root
                     else "/lib/x86_64-linux-gnu/libssl.so.3")
        rc, out, secs = run([os.path.join(b, "rb_twolibs"), other_lib, st.addr("good13"), st.addr("selfsigned")],
                            dict(env, LD_LIBRARY_PATH=os.path.dirname(other_lib)) if other.root else env, 60)
        why = expect_pass(rc, out)
        if rc is not None and rc < 0:
            why = "killed by signal %d%s" % (-rc, indent(out))
        rep("%s/two-libssl-copies/program-also-loads-%s-rtld-local" % (o.name, os.path.basename(other_lib)), why)

    # The 1.0.x builds from ../shared/vendor: threads and fork (their programs
    # set the locking callbacks a threaded 1.0.x program must). A lighter load:
    # built without assembler, their handshakes cost 3-4 times 1.1.1's.
    for o in old:
        threads_and_fork(rep, st, o, bins[o.name], st.env(o, lib), 25)

    o = builds[0]
    b = bins[o.name]
    env = st.env(o, lib)
    client = os.path.join(b, "rb_client")

    # stderr closed by the program, then fd 2 reused for one of its files.
    scratch = os.path.join(st.tmp, "scratch-fd2")
    rc, out, secs = run([client, st.addr("selfsigned"), "blocked", "5", "--stderr-closed", scratch], env, 30)
    why = expect_pass(rc, out)
    if why is None and b"tlsguard" in open(scratch, "rb").read():
        why = "the shim wrote its log line into the file that took fd 2"
    rep("stderr/closed-by-program-fd2-reused: blocked, nothing written to the new fd 2", why)

    # stderr closed before the program started (prog 2>&-).
    scratch2 = os.path.join(st.tmp, "scratch-fd2-exec")
    rc, out, secs = run([client, st.addr("selfsigned"), "blocked", "5", "--stderr-closed", scratch2], env, 30,
                        preexec_fn=lambda: os.close(2))
    why = expect_pass(rc, out)
    if why is None and b"tlsguard" in open(scratch2, "rb").read():
        why = "the shim wrote its log line into the file that took fd 2"
    rep("stderr/closed-at-exec: blocked, nothing written to the new fd 2", why)

    # stderr a pipe nobody reads, full to the last byte before the program starts.
    rc, out, secs, size = run_with_full_stderr([client, st.addr("selfsigned"), "blocked", "20"], env, 30)
    why = expect_pass(rc, out)
    if why is None and secs > 10:
        why = "took %.1fs for 20 blocked connections" % secs
    rep("stderr/full-pipe: 20 blocked connections finish promptly (%.1fs, pipe held %d bytes)" % (secs, size), why)

    rc, out, secs, size = run_with_full_stderr([os.path.join(b, "rb_threads"), good, bad, "32", "20"], env, 60)
    why = expect_pass(rc, out)
    if why is None and secs > 30:
        why = "took %.1fs" % secs
    rep("stderr/full-pipe-32-threads: 320 blocked connections logged at once finish (%.1fs)" % secs, why)

    # A host that detaches like daemon(3): whoever reads its stderr must see EOF
    # when the parent exits, not when the detached child does.
    for label, extra in (("no-tls", []), ("after-a-tls-connection", [st.addr("good13")])):
        p = subprocess.Popen([os.path.join(b, "rb_daemon"), "6"] + extra, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        t0 = time.monotonic()
        out, err = p.communicate(timeout=30)  # returns at EOF on both pipes
        secs = time.monotonic() - t0
        why = None
        if p.returncode != 0:
            why = "exit %d%s" % (p.returncode, indent((out + err).decode(errors="replace")))
        elif secs > 3:
            why = ("stderr reached EOF only after %.1fs, when the detached child exited: the child still "
                   "holds a copy of the original stderr although it pointed fds 0-2 at /dev/null "
                   "(ls -l /proc/PID/fd of a detached child shows it)" % secs)
        rep("stderr/daemon-detach-%s: the caller sees EOF when the parent exits" % label, why)


# --------------------------------------------------------------------------
# check-asan

def libasan_static(cc="gcc"):
    paths = {}
    for lib in ("libasan.a", "libubsan.a"):
        p = subprocess.run([cc, "-print-file-name=" + lib], stdout=subprocess.PIPE).stdout.decode().strip()
        if not os.path.isabs(p) or not os.path.exists(p):
            raise RuntimeError("%s has no %s (static sanitizer runtime)" % (cc, lib))
        paths[lib] = p
    return paths


def build_asan_shim(outdir):
    """libtlsguard.so with ASan+UBSan, the runtime linked into it (whole-archive
    libasan.a): preloaded, it is first in the process, as ASan must be, so no
    harness needs a libasan.so in front of it. gcc drops -static-libasan with
    -shared, hence the explicit archives. No version script here: the runtime's
    interceptors (malloc, free, memcpy...) must be exported to interpose; the
    shim's own symbols stay hidden (-fvisibility=hidden), and the release build's
    exports are checked by check-robust."""
    os.makedirs(outdir, exist_ok=True)
    rt = libasan_static()
    srcs = sorted(glob.glob(os.path.join(REPO, "shim", "*", "*.c")) + glob.glob(os.path.join(REPO, "policy", "*.c"))
            + glob.glob(os.path.join(REPO, "common", "*.c")))
    out = os.path.join(outdir, "libtlsguard.so")
    sh(["gcc"] + SHIM_CFLAGS + ["-Werror", "-O1", "-g", "-fno-omit-frame-pointer",
                                "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                                "-shared", "-o", out] + srcs +
       ["-Wl,-z,relro,-z,now", "-nodefaultlibs",
        "-Wl,--whole-archive", rt["libasan.a"], "-Wl,--no-whole-archive", rt["libubsan.a"],
        "-Wl,--no-undefined", "-lstdc++", "-ldl", "-lrt", "-lpthread", "-lm", "-lc", "-lgcc_s", "-lgcc"],
       "building the ASan shim")
    return out


def sanitizer_logs(logdir):
    found = []
    for path in sorted(glob.glob(os.path.join(logdir, "*"))):
        text = open(path, errors="replace").read()
        if text.strip():
            found.append((os.path.basename(path), text))
    return found


def curl_hangs_under_asan(lib):
    """Debian's curl links libp11-kit, whose constructor leaves glibc's setlocale
    lock broken under any ASan runtime: curl then hangs in main's setlocale()
    (plain LD_PRELOAD=libasan.so.8 curl --version, no shim, hangs the same)."""
    env = dict(os.environ, LD_PRELOAD=lib, ASAN_OPTIONS="detect_leaks=0")
    try:
        subprocess.run(["curl", "--version"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=5)
        return False
    except subprocess.TimeoutExpired:
        return True
    except OSError:
        return False


def asan_checks(rep, args, builds):
    build_asan = os.path.join(REPO, "build-asan")
    lib = build_asan_shim(build_asan)
    san = "-fsanitize=address,undefined -fno-sanitize-recover=all"
    sh(["make", "-s", "BUILD=build-asan", "OPT=-O1 -g -fno-omit-frame-pointer", "SAN=" + san,
        "build-asan/tlsguard"], "building build-asan/tlsguard")
    logdir = tempfile.mkdtemp(prefix="tlsguard-asan-logs-")
    try:
        # 1. The end-to-end suite, unchanged, on the ASan shim. Leak detection off
        #    there: python, bash (pyenv's python3 is a script) and strace'd runs
        #    (LSan cannot work under ptrace) leak on their own; the shim's leaks are
        #    looked for in step 2, in programs that leak nothing themselves.
        env = dict(os.environ,
                   ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=%s/asan" % logdir,
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=%s/ubsan" % logdir)
        # On 3.0 and 1.1.1, as before the 1.0.x builds joined the suite (their
        # run under ASan would double this step's time).
        argv = [sys.executable, os.path.join(TESTS, "e2e", "run.py"), "--build", build_asan,
                "--openssl", "ossl3,ossl11"]
        if curl_hangs_under_asan(lib):
            rep.note("curl and wget cases left out: Debian's curl and wget (both pull in libp11-kit) "
                     "hang in setlocale() under any ASan runtime (libp11-kit's constructor; "
                     "`LD_PRELOAD=libasan.so.8 curl --version` hangs without the shim too)")
            argv += ["--only", r"^(?!.*(curl|wget))"]
        t0 = time.monotonic()
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = p.stdout.decode(errors="replace")
        m = re.search(r"^(\d+) passed, (\d+) failed", out, re.M)
        fails = [l for l in out.splitlines() if l.startswith("FAIL")]
        why = None
        if not m or p.returncode != 0:
            why = "tests/e2e/run.py exit %d, %s%s" % (p.returncode, m.group(0) if m else "no summary",
                                                      indent("\n".join(fails) or out[-3000:]))
        rep("asan/e2e-suite-on-the-asan-shim (%s, %.0fs)" % (m.group(0) if m else "?", time.monotonic() - t0), why)
        logs = sanitizer_logs(logdir)
        rep("asan/e2e-no-sanitizer-report",
            None if not logs else "%d report(s):%s" % (len(logs), "".join(
                indent("== %s\n%s" % (n, t), 3000) for n, t in logs[:3])))

        # 2. This directory's programs on the ASan shim, leaks included.
        for f in glob.glob(os.path.join(logdir, "*")):
            os.unlink(f)
        with Setup(args.keep) as st:
            env_extra = {"ASAN_OPTIONS": "detect_leaks=1:log_path=%s/asan" % logdir,
                         "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:log_path=%s/ubsan" % logdir}
            for o in builds:
                b = build_programs(os.path.join(build_asan, "robust-" + o.name), o)
                env = st.env(o, lib, **env_extra)
                cases = [
                    ("good-200", [os.path.join(b, "rb_client"), st.addr("good13"), "ok", "200", "--ctx-every", "7"]),
                    ("blocked-200", [os.path.join(b, "rb_client"), st.addr("wrongname"), "blocked", "200",
                                     "--ctx-every", "7"]),
                    ("threads-8x40", [os.path.join(b, "rb_threads"), st.addr("good13"), st.addr("selfsigned"),
                                      "8", "40"]),
                    ("fork", [os.path.join(b, "rb_fork"), st.addr("good12"), st.addr("selfsigned"), "--no-helper"]),
                ]
                for name, argv in cases:
                    rc, out, secs = run(argv, env, 180)
                    rep("asan/%s/%s" % (o.name, name), expect_pass(rc, out))
                rc, out, secs = run([os.path.join(b, "rb_ctor")],
                                    st.env(o, lib, RB_GOOD=st.addr("good13"), RB_BAD=st.addr("selfsigned"),
                                           **env_extra), 60)
                rep("asan/%s/constructor" % o.name, expect_pass(rc, out))
            logs = sanitizer_logs(logdir)
            rep("asan/programs-no-sanitizer-report-or-leak",
                None if not logs else "%d report(s):%s" % (len(logs), "".join(
                    indent("== %s\n%s" % (n, t), 3000) for n, t in logs[:3])))
            canaries(rep, st, lib, build_asan)
    finally:
        if not args.keep:
            shutil.rmtree(logdir, ignore_errors=True)


def canaries(rep, st, lib, outdir):
    """The runs above are only worth something if a problem would show: an
    overflow and a leak committed on purpose under the same shim and options."""
    prog = os.path.join(outdir, "rb_canary")
    sh(["cc"] + CFLAGS + ["-pthread", "-o", prog, os.path.join(HERE, "rb_canary.c")], "building rb_canary")
    for mode, want in (("overflow", "heap-buffer-overflow"), ("leak", "detected memory leaks")):
        logdir = tempfile.mkdtemp(prefix="tlsguard-canary-")
        try:
            run([prog, mode], st.env(None, lib, ASAN_OPTIONS="detect_leaks=1:log_path=%s/asan" % logdir), 60)
            logs = "".join(t for _, t in sanitizer_logs(logdir))
            rep("asan/canary-%s-is-reported" % mode,
                None if want in logs else "no %r report: the sanitizer setup would miss real problems%s"
                % (want, indent(logs)))
        finally:
            shutil.rmtree(logdir, ignore_errors=True)


# --------------------------------------------------------------------------
# check-tsan

def build_tsan(outdir, ossl):
    """The shim and rb_threads with clang -fsanitize=thread. The runtime lives in
    the executable (clang links it statically there); the shim's references to it
    resolve at load time, hence no --no-undefined. OpenSSL itself is not
    instrumented: its own locks are seen through the pthread interceptors."""
    os.makedirs(outdir, exist_ok=True)
    srcs = sorted(glob.glob(os.path.join(REPO, "shim", "*", "*.c")) + glob.glob(os.path.join(REPO, "policy", "*.c"))
            + glob.glob(os.path.join(REPO, "common", "*.c")))
    lib = os.path.join(outdir, "libtlsguard.so")
    sh(["clang"] + SHIM_CFLAGS + ["-O1", "-g", "-fsanitize=thread", "-shared", "-o", lib] + srcs +
       ["-Wl,--version-script=shim/exports.map", "-ldl", "-lpthread"], "building the TSan shim")
    prog = os.path.join(outdir, "rb_threads-" + ossl.name)
    sh(["clang"] + [f for f in CFLAGS if f != "-Werror"] + ["-fsanitize=thread", "-I" + HERE] + ossl.cflags +
       ["-pthread", "-o", prog, os.path.join(HERE, "rb_threads.c"), os.path.join(HERE, "rb_common.c")] +
       ossl.ldflags, "building rb_threads with TSan (%s)" % ossl.name)
    return lib, prog


def symbolize(text, modules):
    """TSan cannot start llvm-symbolizer here (the child inherits LD_PRELOAD of
    the TSan shim, which cannot load outside a TSan process): name the frames
    of our own modules afterwards with addr2line."""
    def one(m):
        path = modules.get(m.group(1))
        if not path:
            return m.group(0)
        p = subprocess.run(["addr2line", "-f", "-i", "-e", path, "0x" + m.group(2)], stdout=subprocess.PIPE)
        lines = p.stdout.decode(errors="replace").split("\n")
        if len(lines) < 2 or lines[0] == "??":
            return m.group(0)
        return "%s %s (%s+0x%s)" % (lines[0], os.path.relpath(lines[1], REPO) if lines[1].startswith(REPO)
                                    else lines[1], m.group(1), m.group(2))
    return re.sub(r"<null> <null> \(([^)+\s]+)\+0x([0-9a-f]+)\)", one, text)


def tsan_reports(logdir, modules=None):
    reports = []
    for path in sorted(glob.glob(os.path.join(logdir, "*"))):
        text = open(path, errors="replace").read()
        for block in re.split(r"^==================$", text, flags=re.M):
            if "WARNING: ThreadSanitizer" in block:
                reports.append(symbolize(block.strip(), modules or {}))
    return reports


def tsan_checks(rep, args, builds):
    logdir = tempfile.mkdtemp(prefix="tlsguard-tsan-logs-")
    try:
        with Setup(args.keep) as st:
            good = "%s,%s" % (st.addr("good13"), st.addr("good12"))
            bad = "%s,%s" % (st.addr("selfsigned"), st.addr("wrongname"))
            for o in builds:
                lib, prog = build_tsan(os.path.join(args.build, "tsan"), o)
                env = st.env(o, lib, TSAN_OPTIONS="halt_on_error=0:report_signal_unsafe=0:log_path=%s/tsan-%s"
                             % (logdir, o.name))
                # 32 x 500 under TSan takes two minutes here; fewer keeps make test short.
                per = 100 if o.name == "ossl3" else 50
                for label, argv in (("32x%d-shared-and-per-thread-ctx" % per, [prog, good, bad, "32", str(per)]),
                                    ("first-openssl-call-from-32-threads", [prog, good, bad, "32", "5",
                                                                            "--no-shared"])):
                    rc, out, secs = run(argv, env, 420)
                    rep("tsan/%s/%s (%.0fs)" % (o.name, label, secs), expect_pass(rc, out))
            undef = sh(["nm", "-u", lib], "nm -u")
            rep("tsan/the-shim-is-instrumented", None if "__tsan_" in undef else "no __tsan_ reference in %s" % lib)
            canary = os.path.join(args.build, "tsan", "rb_canary")
            sh(["clang"] + [f for f in CFLAGS if f != "-Werror"] + ["-fsanitize=thread", "-pthread", "-o", canary,
                                                                   os.path.join(HERE, "rb_canary.c")],
               "building rb_canary with TSan")
            cdir = tempfile.mkdtemp(prefix="tlsguard-canary-")
            run([canary, "race"], st.env(None, lib, TSAN_OPTIONS="log_path=%s/tsan" % cdir), 60)
            got = tsan_reports(cdir)
            shutil.rmtree(cdir, ignore_errors=True)
            rep("tsan/canary-race-is-reported", None if got else "a deliberate race was not reported")
            tsan_dir = os.path.join(args.build, "tsan")
            modules = {os.path.basename(f): f for f in glob.glob(os.path.join(tsan_dir, "*")) if os.path.isfile(f)}
            reports = tsan_reports(logdir, modules)
            shim = [r for r in reports if "libtlsguard" in r]
            why = None
            if reports:
                why = "%d race report(s), %d with the shim in a stack:%s" % (
                    len(reports), len(shim), "".join(indent(r, 2500) for r in (shim or reports)[:2]))
            rep("tsan/no-race-report", why)
    finally:
        if not args.keep:
            shutil.rmtree(logdir, ignore_errors=True)


# --------------------------------------------------------------------------
# check-valgrind

def valgrind_checks(rep, args, builds):
    lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
    supp = os.path.join(HERE, "valgrind.supp")
    with Setup(args.keep) as st:
        for o in builds:
            b = build_programs(os.path.join(args.build, "robust-" + o.name), o)
            for label, peer, want in (("good", "good13", "ok"), ("blocked", "wrongname", "blocked")):
                log = os.path.join(st.tmp, "valgrind-%s-%s.log" % (o.name, label))
                argv = ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite",
                        "--errors-for-leak-kinds=definite", "--error-exitcode=99", "--num-callers=30",
                        "--suppressions=" + supp, "--log-file=" + log,
                        os.path.join(b, "rb_client"), st.addr(peer), want, "1000", "--ctx-every", "50"]
                rc, out, secs = run(argv, st.env(o, lib), 900)
                text = open(log, errors="replace").read() if os.path.exists(log) else ""
                summary = re.findall(r"ERROR SUMMARY: \d+ errors", text)
                lost = re.findall(r"definitely lost: ([\d,]+ bytes)", text)
                if lost:
                    summary = [summary[-1] + ", definitely lost " + lost[-1]] if summary else []
                why = None
                if rc != 0:
                    why = "%s; %s%s" % ("timed out" if rc is None else "exit %d" % rc,
                                        summary[-1] if summary else "no summary",
                                        indent(out + "\n" + text, 6000))
                rep("valgrind/%s/1000-%s-handshakes (%.0fs, %s)" % (o.name, label, secs,
                                                                    summary[-1] if summary else "?"), why)
        # The same options catch a definite leak committed on purpose.
        canary = os.path.join(args.build, "robust-ossl3", "rb_canary")
        sh(["cc"] + CFLAGS + ["-pthread", "-o", canary, os.path.join(HERE, "rb_canary.c")], "building rb_canary")
        rc, out, secs = run(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=99",
                             "--suppressions=" + supp, canary, "leak"], st.env(None, lib), 120)
        rep("valgrind/canary-leak-is-reported", None if rc == 99 else "exit %s, wanted 99%s" % (rc, indent(out)))


def old_builds(rep):
    """OpenSSL 1.0.2u and 1.0.1e from ../shared/vendor (built once): absent
    sources give one SKIP line, a failed build a failed check."""
    old, skips, errors = old_openssl_builds(("ossl102", "ossl101"))
    for line in skips:
        print(line if line.startswith("SKIP") else "SKIP: " + line, flush=True)
    for name, text in errors:
        rep("%s/setup" % name, text)
    return old


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["robust", "asan", "tsan", "valgrind"])
    ap.add_argument("--build", default="build", help="dir holding libtlsguard.so (default build)")
    ap.add_argument("--keep", action="store_true", help="keep temp dirs")
    args = ap.parse_args(argv)
    args.build = os.path.join(REPO, args.build) if not os.path.isabs(args.build) else args.build
    os.chdir(REPO)
    rep = Report()
    t0 = time.monotonic()
    need = {"asan": ["gcc", "nm"], "tsan": ["clang", "nm", "addr2line"], "valgrind": ["valgrind"],
            "robust": ["nm"]}[args.what] + ["openssl", "cc"]
    missing = [t for t in need if not shutil.which(t)]
    if missing:
        rep("setup", "not installed: %s (Debian: apt-get install %s)" % (
            " ".join(missing), " ".join({"nm": "binutils", "addr2line": "binutils"}.get(t, t) for t in missing)))
        return rep.summary()
    if args.what == "tsan":
        rt = subprocess.run(["clang", "-print-file-name=libclang_rt.tsan-x86_64.a"], stdout=subprocess.PIPE)
        if not os.path.isfile(rt.stdout.decode().strip()):
            rep("setup", "clang's TSan runtime is not installed (Debian: apt-get install libclang-rt-dev)")
            return rep.summary()
    try:
        builds = openssl_builds()
        if args.what == "robust":
            bins = {o.name: build_programs(os.path.join(args.build, "robust-" + o.name), o) for o in builds}
            old = old_builds(rep)
            for o in old:
                bins[o.name] = build_programs(os.path.join(args.build, "robust-" + o.name), o,
                                              progs=("rb_threads", "rb_fork"))
            with Setup(args.keep) as st:
                robust_checks(rep, st, args.build, bins, builds, old)
        elif args.what == "asan":
            asan_checks(rep, args, builds)
        elif args.what == "tsan":
            tsan_checks(rep, args, builds)
        else:
            valgrind_checks(rep, args, builds)
    except RuntimeError as e:
        rep("setup", str(e))
    except KeyboardInterrupt:
        rep("interrupted", "stopped by a signal")
    print("# %s: %.1fs" % (args.what, time.monotonic() - t0))
    return rep.summary()


if __name__ == "__main__":
    sys.exit(main())
