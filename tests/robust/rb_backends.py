"""check-asan, check-tsan and check-valgrind on the GnuTLS and NSS backends
(tests/robust/run.py asan|tsan|valgrind call these after their OpenSSL part).

Real clients of each library through the sanitized or valgrinded shim against
real `openssl s_server` peers on 127.0.0.1: good ones (TLS 1.3, TLS 1.2) and
bad ones (self-signed, wrong name, TLS 1.0 only).
  GnuTLS  rb_gt_threads (careless, one thread or many at once, shared
          credentials), tests/gnutls/careless.c, gnutls-cli --insecure
  NSS     rb_nss_threads (careless, one thread or many), tests/nss/careless.c,
          tests/nss/curl_nss.c (libcurl-nss, -k)
Every bad handshake must fail, the write the careless client makes after it
must fail too (fail closed), and the shim's log must have one block line per
bad handshake; every good one must pass. The sanitizer or valgrind verdict
is the caller's (its logs, its exit code).
"""

import os
import re
import shutil

from rb_lib import Setup, expect_pass, indent, run, sh, REPO

# Peers of these checks (Setup's own four come too): s_server -www answers an
# HTTP request and closes (the careless clients and curl wait for a reply).
LEGACY = ["-cipher", "DEFAULT:@SECLEVEL=0"]
PEERS = [("tls10", "good", ["-tls1"] + LEGACY),
         ("www-good", "good", ["-www"]), ("www-wrongname", "wrongname", ["-www"]),
         ("www-tls10", "good", ["-www", "-tls1"] + LEGACY)]
THREADED = {"gnutls": "rb_gt_threads", "nss": "rb_nss_threads"}


def missing_tools():
    """What these checks need and this machine lacks (one SKIP line each)."""
    need = {"gnutls-cli": "gnutls-bin", "pkg-config": "pkg-config", "certutil": "libnss3-tools"}
    out = ["%s (Debian: apt-get install %s)" % (t, p) for t, p in need.items() if not shutil.which(t)]
    if not os.path.exists("/usr/lib/x86_64-linux-gnu/libcurl-nss.so.4"):
        out.append("libcurl-nss.so.4 (Debian: apt-get install libcurl3-nss)")
    return out


def setup(keep):
    return Setup(keep, extra_peers=PEERS)


def careless_programs(build):
    """tests/gnutls/careless.c, tests/nss/careless.c and curl_nss.c as the
    Makefile builds them (release flags: the shim is what is checked)."""
    progs = ["gnutls_careless", "nss_careless", "nss_curl"]
    sh(["make", "-s", "-C", REPO, "BUILD=" + build] + [os.path.join(build, "tests", p) for p in progs],
       "building the GnuTLS and NSS clients")
    return {p: os.path.join(build, "tests", p) for p in progs}


def bad_count(threads, per):
    """How many handshakes of rb_*_threads THREADS PER go to a bad peer."""
    return sum(1 for t in range(threads) for i in range(per) if (i + t) % 2)


def threaded_argv(st, prog, threads, per):
    good = "%s,%s" % (st.addr("good13"), st.addr("good12"))
    bad = "%s,%s,%s" % (st.addr("selfsigned"), st.addr("wrongname"), st.addr("tls10"))
    return [prog, good, bad, str(threads), str(per)]


def cases(st, lib, progs, threaded, threads, per):
    """(name, argv, expected exit 0?, expected block lines) for one library.
    `progs`: careless_programs(); `threaded`: the rb_*_threads program; its
    sequential run is 1 x `per`, its threaded one `threads` x `per`."""
    port = lambda name: str(st.servers[name].port)  # noqa: E731
    url = lambda name, m: "https://localhost:%s/%s" % (port(name), m)  # noqa: E731
    out = [("threads-1x%d" % per, threaded_argv(st, threaded, 1, per), True, bad_count(1, per))]
    if threads > 1:
        out.append(("threads-%dx%d" % (threads, per), threaded_argv(st, threaded, threads, per), True,
                    bad_count(threads, per)))
    if lib == "gnutls":
        c = progs["gnutls_careless"]
        out += [("careless-good", [c, "localhost", port("www-good"), "tgmark-good", "direct"], True, 0),
                ("careless-wrongname", [c, "localhost", port("www-wrongname"), "tgmark-bad", "direct"], False, 1),
                ("careless-tls10", [c, "localhost", port("www-tls10"), "tgmark-old", "cache"], False, 1),
                ("gnutls-cli-good", ["gnutls-cli", "--insecure", "-p", port("www-good"), "localhost"], True, 0),
                ("gnutls-cli-selfsigned", ["gnutls-cli", "--insecure", "-p", port("selfsigned"), "localhost"],
                 False, 1)]
    else:
        c, curl = progs["nss_careless"], progs["nss_curl"]
        out += [("careless-good", [c, "localhost", port("www-good"), "tgmark-good", "url", "force"], True, 0),
                ("careless-wrongname", [c, "localhost", port("www-wrongname"), "tgmark-bad", "url", "force"],
                 False, 1),
                ("careless-tls10", [c, "localhost", port("www-tls10"), "tgmark-old", "url", "tls10"], False, 1),
                ("curl-nss-good", [curl, url("www-good", "tgmark-curl"), "insecure"], True, 0),
                ("curl-nss-wrongname", [curl, url("www-wrongname", "tgmark-curl"), "insecure"], False, 1)]
    return out


def policy(st):
    path = os.path.join(st.tmp, "backends.policy")
    with open(path, "w") as f:
        f.write("ca-file %s\n" % os.path.join(st.pki, "ca.pem"))
    return path


def judge(rc, out, want_ok, blocks, log):
    """None when the client ended as wanted and the log has `blocks` block lines."""
    lines = open(log, errors="replace").read().splitlines() if os.path.exists(log) else []
    got = [l for l in lines if "action=block" in l]
    if rc is None:
        return "timed out" + indent(out)
    if want_ok and rc != 0:
        return expect_pass(rc, out)
    if not want_ok and rc == 0:
        return "exit 0: the bad peer's reply reached the program" + indent(out)
    if len(got) != blocks or any(not l.startswith("tlsguard") for l in got):
        return "want %d block line(s) naming tlsguard, got %d:%s" % (
            blocks, len(got), indent("\n".join(got[:5]) + "\n" + out))
    return None


def run_cases(rep, st, prefix, lib, shim, progs, threaded, env_extra, threads=8, per=20, wrap=None,
              timeout=180, leave_out=()):
    """Runs cases() for `lib` with the shim `shim`, each under `wrap` (a
    function name -> argv prefix, e.g. valgrind's), reporting
    PREFIX/LIB/NAME. Returns {name: (rc, output)} for the caller's verdict."""
    pol = policy(st)
    seen = {}
    for name, argv, want_ok, blocks in cases(st, lib, progs, threaded, threads, per):
        if name.startswith(tuple(leave_out)):
            continue
        log = os.path.join(st.tmp, "%s-%s-%s.log" % (prefix, lib, name))
        env = st.env(None, shim, TLSGUARD_POLICY=pol, TLSGUARD_LOG=log, HOME=st.tmp, **env_extra)
        full = (wrap(lib, name) if wrap else []) + argv
        rc, out, secs = run(full, env, timeout)
        seen[name] = (rc, out)
        rep("%s/%s/%s (%.0fs)" % (prefix, lib, name, secs), judge(rc, out, want_ok, blocks, log))
    return seen


def gt_nss_bad_peers_saw_nothing(rep, st, prefix):
    """s_server -quiet writes what it receives: no payload of a threaded client
    may have reached a bad peer."""
    for name in ("selfsigned", "wrongname", "tls10"):
        path = os.path.join(st.tmp, "server-%s.out" % name)
        text = open(path, errors="replace").read() if os.path.exists(path) else ""
        hits = re.findall(r"TLSGUARD-PAYLOAD rb_(?:gt|nss)_threads", text)
        rep("%s/bad-peer-%s-received-no-payload" % (prefix, name),
            None if not hits else "%d payload(s) reached it" % len(hits))


def threaded_programs(build, ossl, **kw):
    """rb_gt_threads and rb_nss_threads made into BUILD/tests/<ossl> (or kw's bindir)."""
    import cbuild
    d = cbuild.build(build, ossl, list(THREADED.values()), **kw)
    return {lib: os.path.join(d, prog) for lib, prog in THREADED.items()}


def shim_frames(text):
    """The lines of a sanitizer or valgrind report naming the shim's sources."""
    return [l for l in text.splitlines() if re.search(r"/(shim|policy|common)/[\w/]+\.[ch]:\d+", l)
            and REPO in l]


def asan_leaks_and_errors(logs):
    """(errors, shim leaks): every ASan/UBSan error report, and the direct
    leaks with a frame of the shim. GnuTLS, NSS and gnutls-cli keep some
    memory to exit by themselves; only what the shim allocated counts."""
    errors, leaks = [], []
    for name, text in logs:
        if "LeakSanitizer" not in text:
            errors.append((name, text))
            continue
        for block in re.split(r"\n(?=(?:Direct|Indirect) leak of)", text):
            if block.startswith("Direct leak of") and shim_frames(block):
                leaks.append((name, block))
    return errors, leaks


def asan_backends(rep, st, lib, build_asan, release_build, ossl, logdir):
    """Step 3 of check-asan: the GnuTLS and NSS cases on the ASan shim, leaks on.
    gnutls-cli is left out: Debian's links libp11-kit and cannot start the
    ASan runtime first (asan_first.h), so it hangs at exit under any ASan."""
    from rb_sanitizers import sanitizer_logs
    progs = careless_programs(release_build)
    threaded = threaded_programs(build_asan, ossl)
    env = {"ASAN_OPTIONS": "detect_leaks=1:log_path=%s/asan" % logdir,
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:log_path=%s/ubsan" % logdir}
    for backend in ("gnutls", "nss"):
        run_cases(rep, st, "asan", backend, lib, progs, threaded[backend], env, timeout=120,
                  leave_out=("gnutls-cli",))
    errors, leaks = asan_leaks_and_errors(sanitizer_logs(logdir))
    rep("asan/gnutls-nss-no-sanitizer-report-or-shim-leak",
        None if not errors and not leaks else "%d report(s), %d leak(s) of the shim:%s" % (
            len(errors), len(leaks), "".join(indent("== %s\n%s" % (n, t), 3000) for n, t in (errors + leaks)[:3])))


def tsan_backends(rep, st, lib, tsan_dir, ossl, logdir, threads=16, per=20):
    """check-tsan's GnuTLS and NSS part: the threaded clients built with
    -fsanitize=thread (the runtime is in the executable) on the TSan shim."""
    threaded = threaded_programs(tsan_dir, ossl, cc="clang", san="-fsanitize=thread", werror=False,
                                 bindir=os.path.join(tsan_dir, "programs-backends"))
    for backend in list(threaded):  # where check-tsan's symbolizer looks for modules
        shutil.copy2(threaded[backend], os.path.join(tsan_dir, THREADED[backend]))
        threaded[backend] = os.path.join(tsan_dir, THREADED[backend])
    pol = policy(st)
    for backend, prog in threaded.items():
        log = os.path.join(st.tmp, "tsan-%s.log" % backend)
        env = st.env(None, lib, TLSGUARD_POLICY=pol, TLSGUARD_LOG=log,
                     TSAN_OPTIONS="halt_on_error=0:report_signal_unsafe=0:log_path=%s/tsan-%s" % (logdir, backend))
        rc, out, secs = run(threaded_argv(st, prog, threads, per), env, 300)
        rep("tsan/%s/%dx%d-threads (%.0fs)" % (backend, threads, per, secs),
            judge(rc, out, True, bad_count(threads, per), log))
    return threaded


def valgrind_blocks(path):
    """The error and definite-leak records of a valgrind log, each as text."""
    text = open(path, errors="replace").read() if os.path.exists(path) else ""
    body = re.sub(r"^==\d+== ?", "", text, flags=re.M)
    return [b for b in body.split("\n\n") if re.match(r"\s*(Invalid|Conditional|Use of uninit|Syscall param|"
                                                      r"Mismatched|\S+ bytes in \S+ blocks are definitely)", b)]


def is_shim_record(block):
    return "libtlsguard.so" in block or bool(re.search(r"[(/](?:shim/\w+|policy|common)/\w+\.[ch]:\d+\)", block))


def valgrind_backends(rep, st, lib, release_build, ossl, supp):
    """check-valgrind's GnuTLS and NSS part: every case under memcheck
    (threads 4 x 10: valgrind runs one thread at a time). A record (invalid
    access, uninitialised use, definite leak) with a frame of the shim fails
    its case; the libraries' own records are counted in a note (valgrind.supp
    takes only noise that has been looked at)."""
    progs = careless_programs(release_build)
    threaded = threaded_programs(release_build, ossl)
    logs = {}

    def wrap(backend, name):  # full source paths: a frame of the shim is one under REPO/shim
        logs[(backend, name)] = os.path.join(st.tmp, "memcheck-%s-%s.log" % (backend, name))
        return ["valgrind", "--tool=memcheck", "--fullpath-after=", "--leak-check=full", "--show-leak-kinds=definite",
                "--errors-for-leak-kinds=definite", "--num-callers=30", "--suppressions=" + supp,
                "--log-file=" + logs[(backend, name)]]
    for backend in ("gnutls", "nss"):
        run_cases(rep, st, "valgrind", backend, lib, progs, threaded[backend], {}, threads=4, per=10, wrap=wrap,
                  timeout=300)
    others = 0
    for (backend, name), path in sorted(logs.items()):
        records = valgrind_blocks(path)
        shim = [b for b in records if is_shim_record(b)]
        others += len(records) - len(shim)
        rep("valgrind/%s/%s-no-record-of-the-shim" % (backend, name),
            None if not shim else "%d record(s) with a frame of the shim:%s" % (
                len(shim), "".join(indent(b, 2500) for b in shim[:2])))
    if others:
        rep.note("valgrind: %d record(s) of GnuTLS/NSS/the programs themselves, none in the shim" % others)
