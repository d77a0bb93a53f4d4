#!/usr/bin/env python3
"""test_old_glibc.py --build BUILD — the shipped libtlsguard.so loads, blocks
and allows under a real glibc from before libdl and libpthread moved into libc.

test_glibc_floor.sh reads the library's imports and DT_NEEDED; this runs it.
Debian bullseye's libc6 (glibc 2.31, tests/lib/fetch-glibc231.sh) and
OpenSSL 1.1.1 (fetch-openssl11.sh) are unpacked into the test cache, and
each program runs under that glibc's own ld.so (ld-2.31.so --library-path),
with LD_PRELOAD=BUILD/libtlsguard.so, against a self-signed server (bad) and
one the test CA signed for localhost (good; SSL_CERT_FILE is the CA):

  - bullseye's `openssl s_client` (links libssl, so libpthread, at start);
  - tests/install/old_glibc_client.c: links neither libssl nor libpthread,
    connects, then dlopens libssl.so.1.1 (libpthread arrives only then) and
    handshakes without verifying anything; its no-shim control reaches the
    bad server. It also says that its glibc is 2.31, that libpthread was not
    mapped at start and that libtlsguard was.

Ends with "N passed, N failed"; exit 1 when any failed."""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)
import tgtest  # noqa: E402

TOP = os.path.dirname(tgtest.TESTS)
BLOCKED = "tlsguard: blocked host=localhost"


class Old:
    """glibc 2.31 and OpenSSL 1.1.1 from the cache, fetched once."""

    def __init__(self):
        tgtest.openssl_builds()  # fetches OpenSSL 1.1.1 into the cache
        cache = os.path.join(tgtest.cache_dir(), "glibc231")
        subprocess.run(["sh", os.path.join(tgtest.TESTS, "lib", "fetch-glibc231.sh"), cache], check=True)
        self.libc = os.path.join(cache, "root", "lib", "x86_64-linux-gnu")
        ossl = os.path.join(tgtest.cache_dir(), "openssl11", "root", "usr")
        self.ld_so = os.path.join(self.libc, "ld-2.31.so")
        self.path = self.libc + ":" + os.path.join(ossl, "lib", "x86_64-linux-gnu")
        self.openssl = os.path.join(ossl, "bin", "openssl")
        self.conf = os.path.join(tgtest.cache_dir(), "openssl11", "openssl.cnf")

    def run(self, argv, lib, ca):
        env = servers.clean_env()
        env.update(SSL_CERT_FILE=ca, OPENSSL_CONF=self.conf)
        if lib:
            env["LD_PRELOAD"] = lib
        p = subprocess.run([self.ld_so, "--library-path", self.path] + argv, env=env, input=b"hello\n",
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        return p.returncode, p.stdout.decode(errors="replace")


def cases(old, client, lib, bad, good):
    """(name, argv, preload, want): want is "blocked", "reached" or "allowed"."""
    def s_client(port):
        return [old.openssl, "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost"]
    return [
        ("client/bad/control", [client, str(bad), "localhost"], None, "reached"),
        ("client/bad/shim", [client, str(bad), "localhost"], lib, "blocked"),
        ("client/good/shim", [client, str(good), "localhost"], lib, "allowed"),
        ("s_client/bad/control", s_client(bad), None, "reached"),
        ("s_client/bad/shim", s_client(bad), lib, "blocked"),
        ("s_client/good/shim", s_client(good), lib, "allowed"),
    ]


def judge(name, want, rc, out, shim):
    """None when the run is what `want` says, else why not."""
    if name.startswith("client/"):
        says = ["glibc 2.31", "libpthread at start: no", "libtlsguard at start: %s" % ("yes" if shim else "no")]
        missing = [line for line in says if line not in out.splitlines()]
        lazy = [l for l in out.splitlines() if l.startswith("libtlsguard TLS descriptors lazy: ")]
        if shim and not missing and (len(lazy) != 1 or not lazy[0].split(": ")[1].startswith("0 of ")):
            return "TLS descriptors left lazy: %r" % (lazy or "no line")
        if missing:
            return "no line %r" % missing[0]
        ok = rc == 0 and "handshake ok" in out
    else:
        ok = rc == 0 and "Verify return code: 0 (ok)" in out if want == "allowed" else \
            "Server public key is" in out
    blocked = BLOCKED in out
    if want == "blocked":
        return None if blocked and not ok else "not blocked"
    if blocked or not ok:
        return "blocked or failed"
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    args = ap.parse_args(argv)
    lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
    old = Old()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        pki_dir = pki.make(os.path.join(tmp, "pki"))
        client = os.path.join(tmp, "old_glibc_client")
        subprocess.run(["make", "-s", "-C", TOP, "TEST_BIN=" + tmp, client], check=True)
        bad = servers.s_server("bad", pki_dir, "selfsigned", [], os.path.join(tmp, "bad.out")).start()
        good = servers.s_server("good", pki_dir, "good", [], os.path.join(tmp, "good.out")).start()
        try:
            for name, argv_, pre, want in cases(old, client, lib, bad.port, good.port):
                rc, out = old.run(argv_, pre, os.path.join(pki_dir, "ca.pem"))
                why = judge(name, want, rc, out, pre is not None)
                if why is None:
                    passed += 1
                    print("ok   %s (%s)" % (name, want))
                else:
                    failed += 1
                    print("FAIL %s: want %s, %s (exit %d)\n%s" % (name, want, why, rc,
                                                                  "\n".join("     " + l for l in out.splitlines()[-12:])))
        finally:
            bad.stop()
            good.stop()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
