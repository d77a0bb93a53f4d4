"""What the robustness checks share (tests/robust/run.py): reporting, running
a program, the C programs (made by make), the peers and the environment."""

import os
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
import cbuild  # noqa: E402  (tests/lib/cbuild.py: the C programs, made by make)
import pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)
from tally import Tally  # noqa: E402  (tests/lib/tally.py: ok/FAIL lines and the summary)

# The shim's own flags (Makefile: CSTD WARN HARDEN), for the sanitizer builds.
SHIM_CFLAGS = ["-std=gnu99", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wshadow", "-Wundef",
               "-fstack-protector-strong", "-fPIC", "-fvisibility=hidden", "-Ishim/core", "-Ishim/openssl", "-Ishim/libc", "-Ipolicy", "-Icommon"]


# --------------------------------------------------------------------------
# Reporting.

class Report(Tally):
    def __init__(self):
        super().__init__("ok   ")

    def note(self, text):
        print("note: %s" % text, flush=True)


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

ALL_PROGRAMS = ("rb_client", "rb_threads", "rb_fork", "rb_daemon", "rb_twolibs", "rb_ctor")


def build_programs(build, ossl, progs=ALL_PROGRAMS):
    """rb_client, rb_threads, rb_fork, rb_daemon, rb_twolibs, rb_ctor (+ librb_ctor.so), or
    those of `progs`, built against `ossl` into build/tests/<ossl> (tests/programs.mk);
    returns that directory."""
    return cbuild.build(build, ossl, list(progs), jobs=2)


# --------------------------------------------------------------------------
# Peers.

PEERS = [("good13", "good", []), ("good12", "good", ["-tls1_2"]),
         ("selfsigned", "selfsigned", []), ("wrongname", "wrongname", [])]


class Setup:
    """A temp dir, the test PKI, the peers, and the environment clients run in."""

    def __init__(self, keep=False, extra_peers=()):
        self.keep = keep
        self.peers = PEERS + list(extra_peers)
        self.tmp = tempfile.mkdtemp(prefix="tlsguard-robust-")
        self.pki = os.path.join(self.tmp, "pki")
        self.servers = {}

    def __enter__(self):
        pki.make(self.pki)
        for name, cert, args in self.peers:
            out = os.path.join(self.tmp, "server-%s.out" % name)
            self.servers[name] = servers.s_server("s_server " + name, self.pki, cert, args, out).start()
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


