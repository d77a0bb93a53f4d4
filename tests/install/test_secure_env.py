#!/usr/bin/env python3
"""test_secure_env.py --build BUILD --variants DIR — every road by which
shim/libc/secure_env.c tells a secure-execution process, on this machine.

glibc 2.12 has neither getauxval nor secure_getenv; the shim looks both up at
run time, reads AT_SECURE from /proc/self/auxv without getauxval, and takes
the process as secure when nothing answers. `make check-secure-env` builds
DIR/<variant>/libtlsguard.so with -DTG_TEST_SECURE_TRACE (one stderr line:
secure=0|1, from where, which getenv) and TG_TEST_WITHOUT hiding:

    libc   nothing (getauxval and secure_getenv found in libc)
    oldenv secure_getenv (glibc 2.12 has only __secure_getenv)
    noenv  secure_getenv and __secure_getenv (getauxval, plain getenv)
    auxv   getauxval too (AT_SECURE from /proc/self/auxv)
    none   /proc/self/auxv too (nothing answers: secure)

Each runs `openssl s_client` to a self-signed server (the shim blocks it
whatever the policy) with TLSGUARD_POLICY naming an invalid file. Honoured,
the block cites the invalid policy; ignored, it cites the certificate.
Processes: a normal one (honours, except where nothing answers); a setuid-root
copy run by nobody (AT_SECURE, /proc/self/auxv readable); a setgid copy run
by nobody (AT_SECURE, /proc/self/auxv unreadable). The auxv and libc builds
also run where /proc is really absent (a mount namespace with an empty tmpfs
over /proc). The shipped BUILD runs the three processes without a trace, as
the e2e secure-execution check does (a secure process preloads only a
setuid library from a system directory).

Needs root (setuid copies, /usr/lib, mount namespaces). Ends with
"N passed, N failed"; exit 1 when any failed."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)
import tgtest  # noqa: E402

TOP = os.path.dirname(tgtest.TESTS)
SYSDIR = "/usr/lib/x86_64-linux-gnu"
LOG_PREFIX = "tlsguard: "
TRACE = "tlsguard-test: "
LIBC_ENV, OLD_ENV, PLAIN_ENV = "secure_getenv", "__secure_getenv", "getenv"
AUXV, NOTHING = "/proc/self/auxv", "nothing (taken as secure)"

# variant -> process -> (secure, from, env) the trace must say.
EXPECT = {
    "libc": {"normal": (0, "getauxval", LIBC_ENV), "setuid": (1, "getauxval", LIBC_ENV),
             "setgid": (1, "getauxval", LIBC_ENV), "normal-noproc": (0, "getauxval", LIBC_ENV)},
    "oldenv": {"normal": (0, "getauxval", OLD_ENV), "setuid": (1, "getauxval", OLD_ENV)},
    "noenv": {"normal": (0, "getauxval", PLAIN_ENV), "setuid": (1, "getauxval", PLAIN_ENV),
              "setgid": (1, "getauxval", PLAIN_ENV)},
    "auxv": {"normal": (0, AUXV, PLAIN_ENV), "setuid": (1, AUXV, PLAIN_ENV),
             "setgid": (1, NOTHING, PLAIN_ENV), "normal-noproc": (1, NOTHING, PLAIN_ENV),
             "setuid-noproc": (1, NOTHING, PLAIN_ENV)},
    "none": {"normal": (1, NOTHING, PLAIN_ENV), "setuid": (1, NOTHING, PLAIN_ENV),
             "setgid": (1, NOTHING, PLAIN_ENV)},
}


class Setup:
    """A self-signed server, the bad policy and the setuid/setgid clients."""

    def __init__(self, tmp: str):
        self.tmp = tmp
        os.chmod(tmp, 0o755)
        pki_dir = pki.make(os.path.join(tmp, "pki"))
        self.policy = os.path.join(tmp, "bad.policy")
        with open(self.policy, "w") as f:
            f.write("this is not a directive\n")
        os.chmod(self.policy, 0o644)
        openssl = shutil.which("openssl")
        self.clients = {}
        for kind, mode in (("normal", 0o755), ("setuid", 0o4755), ("setgid", 0o2755)):
            path = os.path.join(tmp, "openssl-" + kind)
            shutil.copyfile(openssl, path)
            os.chown(path, 0, 0)
            os.chmod(path, mode)
            self.clients[kind] = path
        self.server = servers.s_server("openssl s_server", pki_dir, "selfsigned", [],
                                       os.path.join(tmp, "server.out"), openssl=openssl).start()
        self.port = self.server.port

    def close(self):
        self.server.stop()

    def run(self, lib_name: str, process: str):
        """Run the client as `process` ("setuid-noproc": setuid, no /proc)
        with LD_PRELOAD=lib_name; return (exit, stderr)."""
        kind, _, where = process.partition("-")
        # env(1) sets the shim's variables last, so that only the client
        # (not setpriv, unshare, mount) runs under it.
        argv = ["env", "LD_PRELOAD=" + lib_name, "TLSGUARD_POLICY=" + self.policy,
                self.clients[kind], "s_client", "-connect", "127.0.0.1:%d" % self.port,
                "-servername", "localhost"]
        if kind != "normal":
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        if where == "noproc":
            argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                    'mount -t tmpfs none /proc && exec "$@"', "sh"] + argv
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30, cwd=self.tmp)
        return p.returncode, p.stderr.decode(errors="replace")


def judge(rc: int, err: str, honours: bool, trace) -> str:
    """'' when the run shows what was wanted, else what differs."""
    blocks = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
    if rc == 0 or len(blocks) != 1:
        return "wanted one block and a failed client (the shim did not run?): exit %d" % rc
    cited = "invalid policy" in blocks[0]
    if cited != honours:
        return "TLSGUARD_POLICY was %s" % ("ignored" if honours else "honoured")
    if trace is not None:
        want = "%ssecure=%d from=%s env=%s" % ((TRACE,) + trace)
        got = [l for l in err.splitlines() if l.startswith(TRACE)]
        if got != [want]:
            return "trace %r, wanted %r" % (got, want)
    return ""


def install(src: str, tag: str) -> str:
    """A setuid copy of the library in the system directory (the only place
    ld.so preloads from in a secure process); returns its file name."""
    name = "libtlsguard-secenv-test-%d-%s.so" % (os.getpid(), tag)
    shutil.copyfile(src, os.path.join(SYSDIR, name))
    os.chmod(os.path.join(SYSDIR, name), 0o4755)
    return name


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--variants", default="build-secenv")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (setuid copies in %s, mount namespaces)" % SYSDIR)
        print("0 passed, 0 failed, 1 skipped")
        return 0
    if os.path.exists("/etc/tlsguard.policy"):
        print("SKIP: /etc/tlsguard.policy exists: a secure process would read it")
        print("0 passed, 0 failed, 1 skipped")
        return 0
    cases = [("shipped", os.path.join(args.build, "libtlsguard.so"), p, p == "normal", None)
             for p in ("normal", "setuid", "setgid")]
    for variant, procs in EXPECT.items():
        lib = os.path.join(args.variants, variant, "libtlsguard.so")
        for process, trace in procs.items():
            cases.append((variant, lib, process, trace[0] == 0, trace))
    passed = failed = 0
    names = {}
    tmp = tempfile.mkdtemp(prefix="tlsguard-secenv-")
    setup = None
    try:
        setup = Setup(tmp)
        for variant, lib, process, honours, trace in cases:
            label = "%s/%s/%s" % (variant, process, "honours" if honours else "ignores")
            if trace:
                label += " (secure=%d from %s, env by %s)" % trace
            if not os.path.exists(lib):
                problem = "%s missing (make check-secure-env builds it)" % lib
            else:
                if variant not in names:
                    names[variant] = install(lib, variant)
                rc, err = setup.run(names[variant], process)
                problem = judge(rc, err, honours, trace)
                if problem:
                    problem += "\n" + "".join("      | %s\n" % l for l in err.splitlines()[-8:])
            if problem:
                failed += 1
                print("FAIL %s: %s" % (label, problem))
            else:
                passed += 1
                print("ok   %s" % label)
    finally:
        if setup:
            setup.close()
        for name in names.values():
            os.unlink(os.path.join(SYSDIR, name))
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
