"""check-asan, check-tsan and check-valgrind (tests/robust/run.py asan|tsan|valgrind):
the shim under the sanitizers, each with a canary that proves the setup would
see a real problem."""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import cbuild  # noqa: E402
import rb_backends  # noqa: E402
from rb_lib import REPO, SHIM_CFLAGS, Setup, build_programs, expect_pass, indent, run, sh  # noqa: E402


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
        with Setup(args.keep, extra_peers=rb_backends.PEERS) as st:
            env_extra = {"ASAN_OPTIONS": "detect_leaks=1:log_path=%s/asan" % logdir,
                         "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:log_path=%s/ubsan" % logdir}
            for o in builds:
                b = build_programs(build_asan, o)
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
            canaries(rep, st, lib, build_asan, builds[0])
            # 3. GnuTLS and NSS programs on the same shim (rb_backends.py).
            for f in glob.glob(os.path.join(logdir, "*")):
                os.unlink(f)
            t0 = time.monotonic()
            rb_backends.asan_backends(rep, st, lib, build_asan, args.build, builds[0], logdir)
            rep.note("asan: the GnuTLS and NSS part took %.0fs" % (time.monotonic() - t0))
    finally:
        if not args.keep:
            shutil.rmtree(logdir, ignore_errors=True)


def canaries(rep, st, lib, build, ossl):
    """The runs above are only worth something if a problem would show: an
    overflow and a leak committed on purpose under the same shim and options."""
    prog = os.path.join(build_programs(build, ossl, ["rb_canary"]), "rb_canary")
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
    made = cbuild.build(outdir, ossl, ["rb_threads"], cc="clang", san="-fsanitize=thread", werror=False,
                        bindir=os.path.join(outdir, "programs-" + ossl.name))
    prog = os.path.join(outdir, "rb_threads-" + ossl.name)   # the module name its reports give
    shutil.copy2(os.path.join(made, "rb_threads"), prog)
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
        with Setup(args.keep, extra_peers=rb_backends.PEERS) as st:
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
            t0 = time.monotonic()
            rb_backends.tsan_backends(rep, st, lib, os.path.join(args.build, "tsan"), builds[0], logdir)
            rep.note("tsan: the GnuTLS and NSS part took %.0fs" % (time.monotonic() - t0))
            undef = sh(["nm", "-u", lib], "nm -u")
            rep("tsan/the-shim-is-instrumented", None if "__tsan_" in undef else "no __tsan_ reference in %s" % lib)
            canary = os.path.join(cbuild.build(args.build, builds[0], ["rb_canary"], cc="clang", san="-fsanitize=thread",
                                               werror=False, bindir=os.path.join(args.build, "tsan", "canary")),
                                  "rb_canary")
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
    with Setup(args.keep, extra_peers=rb_backends.PEERS) as st:
        for o in builds:
            b = build_programs(args.build, o)
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
        t0 = time.monotonic()
        rb_backends.valgrind_backends(rep, st, lib, args.build, builds[0], supp)
        rep.note("valgrind: the GnuTLS and NSS part took %.0fs" % (time.monotonic() - t0))
        # The same options catch a definite leak committed on purpose.
        canary = os.path.join(build_programs(args.build, builds[0], ["rb_canary"]), "rb_canary")
        rc, out, secs = run(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=99",
                             "--suppressions=" + supp, canary, "leak"], st.env(None, lib), 120)
        rep("valgrind/canary-leak-is-reported", None if rc == 99 else "exit %s, wanted 99%s" % (rc, indent(out)))


