"""Helpers the test and bench drivers share (python3 standard library only):
free ports and listening checks on 127.0.0.1, and the OpenSSL builds a
program is compiled against and run on."""

import os
import signal
import socket
import subprocess

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port: int) -> bool:
    """True when something LISTENs on 127.0.0.1:port (read from /proc: no probe
    connection, which the server would have to handle)."""
    want = "0100007F:%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[1] == want and cols[3] == "0A":
                    return True
    except OSError:
        pass
    return False


def stop_group(proc):
    """Kill a server started in a process group of its own (start_new_session)
    and everything it spawned; reap it and close its stdin."""
    if proc and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    if proc and proc.stdin:
        proc.stdin.close()


class OpensslBuild:
    """The system OpenSSL 3 (root None) or an unpacked one (Debian 11's 1.1.1 under
    tests/.cache): compiler and linker flags against it, and the environment
    its programs run with."""

    def __init__(self, name, label, root=None, cache=None):
        self.name, self.label, self.root = name, label, root
        self.cflags, self.ldflags, self.env = [], ["-lssl", "-lcrypto"], {}
        self.openssl = "openssl"
        if root:
            lib = os.path.join(root, "usr/lib/x86_64-linux-gnu")
            self.cflags = ["-I" + os.path.join(root, "usr/include"),
                           "-I" + os.path.join(root, "usr/include/x86_64-linux-gnu")]
            self.ldflags = ["-L" + lib, "-Wl,-rpath," + lib, "-lssl", "-lcrypto"]
            self.env = {"LD_LIBRARY_PATH": lib, "OPENSSL_CONF": os.path.join(cache, "openssl.cnf")}
            self.openssl = os.path.join(root, "usr/bin/openssl")


def cache_dir() -> str:
    """Where tests keep what they build or fetch once: $TLSGUARD_TEST_CACHE, else
    tests/.cache (gitignored). Worktrees and CI runs may share one."""
    return os.environ.get("TLSGUARD_TEST_CACHE") or os.path.join(TESTS, ".cache")


def vendor_build(what: str):
    """Build `what` (openssl-1.0.1e, openssl-1.0.2u, openssl-1.0.2u-so10,
    python-2.7.6) from ../shared/vendor into the cache, once (tests/lib/build-vendor.sh).
    Returns (prefix, None), or (None, skip_line) when the vendor folder is absent;
    raises when a build fails."""
    p = subprocess.run(["sh", os.path.join(TESTS, "lib", "build-vendor.sh"), what, cache_dir()],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace").strip()
    if p.returncode == 77:
        return None, out.splitlines()[-1] if out else "SKIP: vendor sources absent"
    if p.returncode != 0:
        raise RuntimeError("building %s failed (exit %d):\n%s" % (what, p.returncode, out))
    return os.path.join(cache_dir(), what), None


def openssl_builds():
    """OpenSSL 3.0 and 1.1.1 (fetched once by tests/lib/fetch-openssl11.sh)."""
    cache = os.path.join(cache_dir(), "openssl11")
    p = subprocess.run(["sh", os.path.join(TESTS, "lib", "fetch-openssl11.sh"), cache],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("fetching OpenSSL 1.1.1 failed (exit %d):\n%s" % (
            p.returncode, p.stdout.decode(errors="replace")))
    return [OpensslBuild("ossl3", "OpenSSL 3.0"),
            OpensslBuild("ossl11", "OpenSSL 1.1.1", os.path.join(cache, "root"), cache)]
