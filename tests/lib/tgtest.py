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
    """True when something LISTENs on 127.0.0.1:port, or on every IPv4 address
    (gnutls-serv binds 0.0.0.0), read from /proc: no probe connection, which the
    server would have to handle."""
    want = ("0100007F:%04X" % port, "00000000:%04X" % port)
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[1] in want and cols[3] == "0A":
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
    """An OpenSSL programs are compiled against and run on: the system OpenSSL 3
    (no root), a dpkg -x tree (root: Debian 11's 1.1.1 in the cache), or a
    prefix (prefix: lib/, include/, bin/openssl, as tests/lib/build-vendor.sh
    builds 1.0.x). Gives compiler and linker flags against it, the environment
    its programs run with, its `openssl` program (None where the prefix has
    none of its own), and its OPENSSL_VERSION_NUMBER."""

    def __init__(self, name, label, root=None, cache=None, prefix=None,
                 version=0x30000000, own_openssl=True):
        self.name, self.label, self.root, self.prefix = name, label, root, prefix
        self.version_number = version  # OPENSSL_VERSION_NUMBER (bench/run.py keeps its text in .version)
        self.cflags, self.ldflags, self.env = [], ["-lssl", "-lcrypto"], {}
        self.libdir = "/usr/lib/x86_64-linux-gnu"
        self.openssl = "openssl"
        if root:
            self.libdir = os.path.join(root, "usr/lib/x86_64-linux-gnu")
            self.cflags = ["-I" + os.path.join(root, "usr/include"),
                           "-I" + os.path.join(root, "usr/include/x86_64-linux-gnu")]
            self.env = {"LD_LIBRARY_PATH": self.libdir, "OPENSSL_CONF": os.path.join(cache, "openssl.cnf")}
            self.openssl = os.path.join(root, "usr/bin/openssl")
        elif prefix:
            self.libdir = os.path.join(prefix, "lib")
            self.cflags = ["-I" + os.path.join(prefix, "include")]
            self.env = {"LD_LIBRARY_PATH": self.libdir}
            self.openssl = os.path.join(prefix, "bin/openssl") if own_openssl else None
        if root or prefix:
            self.ldflags = ["-L" + self.libdir, "-Wl,-rpath," + self.libdir, "-lssl", "-lcrypto"]

    @property
    def tree(self):
        """Its dpkg -x root or its prefix (None: the system's)."""
        return self.root or self.prefix

    @property
    def has_proto_ctrl(self):
        """SSL_CTX_set_min/max_proto_version and security levels: 1.1.0+."""
        return self.version_number >= 0x10100000

    @property
    def has_tls13(self):
        return self.version_number >= 0x10101000

    def libssl(self):
        """The libssl file its programs load (for nm and the like)."""
        path = os.path.join(self.libdir, "libssl.so")
        if not self.root and not self.prefix:
            path = os.path.join(self.libdir, "libssl.so.3")
        elif self.root:
            path = os.path.join(self.libdir, "libssl.so.1.1")
        return os.path.realpath(path)


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
            OpensslBuild("ossl11", "OpenSSL 1.1.1", os.path.join(cache, "root"), cache, version=0x1010117f)]


# The old OpenSSLs built from ../shared/vendor: name, label, cache entry,
# OPENSSL_VERSION_NUMBER, and whether its bin/openssl runs on its own libssl
# (the .so10 copy's bin/ is 1.0.2u's, linked to libssl.so.1.0.0).
OLD_OPENSSLS = [
    ("ossl102", "OpenSSL 1.0.2u", "openssl-1.0.2u", 0x1000215f, True),
    ("ossl101", "OpenSSL 1.0.1e", "openssl-1.0.1e", 0x1000105f, True),
    ("ossl102so10", "OpenSSL 1.0.2u as libssl.so.10", "openssl-1.0.2u-so10", 0x1000215f, False),
]


def old_openssl_builds(names=None, build=True):
    """The OpenSSLs of OLD_OPENSSLS (those in `names`, if given), each built once
    from ../shared/vendor. Returns (builds, skips, errors): skips are the
    vendor_build skip lines (each once), errors (name, text) the builds that
    failed. build=False only describes them (for listing cases)."""
    builds, skips, errors = [], [], []
    for name, label, what, version, own in OLD_OPENSSLS:
        if names is not None and name not in names:
            continue
        prefix = os.path.join(cache_dir(), what)
        if build:
            try:
                prefix, skip = vendor_build(what)
            except RuntimeError as e:
                errors.append((name, str(e)))
                continue
            if skip:
                if skip not in skips:
                    skips.append(skip)
                continue
        builds.append(OpensslBuild(name, label, prefix=prefix, version=version, own_openssl=own))
    return builds, skips, errors
