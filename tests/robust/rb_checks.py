"""check-robust (tests/robust/run.py robust): threads, fork, constructors,
two libssl copies, a hostile stderr, a detaching host, the exported symbols."""

import fcntl
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from rb_lib import REPO, expect_pass, indent, run, sh  # noqa: E402


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
    function the shim interposes: one libssl (3.0 or 1.1), libgnutls or NSS's
    libssl3/libnspr4 exports, or one of libc's (connect, the resolver, the
    exec family): no helper of its own."""
    syms = exported_symbols(lib)
    allowed = map_globals(os.path.join(REPO, "shim", "exports.map"))
    ssl = library_exports(["/usr/lib/x86_64-linux-gnu/libssl.so.3"] +
                          [os.path.join(o.root, "usr/lib/x86_64-linux-gnu/libssl.so.1.1") for o in builds if o.root])
    libc = library_exports(["/lib/x86_64-linux-gnu/libc.so.6"])
    ssl |= library_exports(["/usr/lib/x86_64-linux-gnu/libgnutls.so.30", "/usr/lib/x86_64-linux-gnu/libssl3.so",
                            "/usr/lib/x86_64-linux-gnu/libnspr4.so"])
    extra = sorted(syms - allowed)
    rep("exports/only-what-exports.map-lists",
        None if not extra else "exported but not in shim/exports.map: %s" % " ".join(extra))
    not_interposed = sorted(s for s in syms if s not in ssl and s not in libc)
    rep("exports/each-is-an-interposed-tls-library-or-libc-function",
        None if not not_interposed else "neither a TLS library (libssl, libgnutls, NSS) nor a libc function: %s" % " ".join(not_interposed))
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

    stderr_checks(rep, st, lib, bins[builds[0].name], builds[0], good, bad)


def stderr_checks(rep, st, lib, b, o, good, bad):
    """A hostile stderr (closed, reused, full) and a host that detaches, on
    OpenSSL `o` with its programs in `b`."""
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


