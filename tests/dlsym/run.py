#!/usr/bin/env python3
"""Programs that take their TLS functions with dlsym(handle, ...), under tlsguard.

    python3 tests/dlsym/run.py --build build [--only REGEX] [--list]

A program that dlopen()s its TLS library and calls only what dlsym(handle,
name) or dlvsym(handle, name, version) returned (Qt's QSslSocket, python
ctypes, plugins) never passes the dynamic linker's global scope, where the
preloaded shim's hooks are: the shim's own dlsym/dlvsym (shim/libc/
hook_dlsym.c) hands it the hooks instead. Clients: tests/dlsym/dl_nss.c (a
careless NSS client taking SSL_ImportFD, SSL_AuthCertificateHook,
SSL_BadCertHook and PR_Write with dlsym on a handle, RTLD_DEFAULT or
RTLD_NEXT), tests/dlsym/dl_openssl.c
(verification off, TLS 1.0 allowed, SSL_connect's result ignored, writes
anyway; the library dlopen'ed RTLD_LOCAL or RTLD_GLOBAL, on OpenSSL 3.0,
1.1.1 and the ../shared/vendor builds 1.0.2u, 1.0.1e, 1.0.2u as .so.10, where
present; or OpenSSL 3's functions taken with dlvsym) and the same careless client written with python3 ctypes.
Peers: tests/lib/servers.py RecordingPeers (every byte they got, per
connection) on 127.0.0.1: self-signed, TLS 1.0 only, and a good one.

Cases are <client>/<shim|noshim>/<peer>. Without the shim every peer receives
the case's marker (the bad peers really are reached); with it a bad peer
receives no application byte and the log has one block line naming tlsguard
and the reason; the good peer (the policy's ca-file trusts its CA) still gets
the marker with no block line: the hooks handed out route to the library the
program dlopen'ed. Then tests/dlsym/rtld_next.c's checks of what dlsym gives
for RTLD_NEXT, RTLD_DEFAULT, handles and names the shim hooks but a library it
does not cover defines, with and without the shim (the same answers).
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`; exits 1 on
any failure.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import pki  # noqa: E402
import servers  # noqa: E402
from tally import Tally  # noqa: E402
from tgtest import old_openssl_builds, openssl_builds  # noqa: E402

TIMEOUT = 30
PEERS = {  # name: (cert, min, max, reason regex or None for a good peer)
    "selfsigned": ("selfsigned", "TLSv1", "TLSv1_3", r"self.signed"),
    "tls10": ("good", "TLSv1", "TLSv1", r"TLS 1\.2"),
    "good12": ("good", "TLSv1_2", "TLSv1_2", None),
}
NSS_REASONS = {"selfsigned": r"certificate verification failed"}  # the NSS backend's words
CTYPES = r'''
import ctypes, socket, sys
lib = ctypes.CDLL(sys.argv[1])  # dlopen RTLD_LOCAL, then dlsym(handle) per attribute
P, I = ctypes.c_void_p, ctypes.c_int
for name, res, args in [("TLS_client_method", P, []), ("SSL_CTX_new", P, [P]),
                        ("SSL_CTX_set_verify", None, [P, I, P]), ("SSL_CTX_ctrl", ctypes.c_long, [P, I, ctypes.c_long, P]),
                        ("SSL_CTX_set_cipher_list", I, [P, ctypes.c_char_p]), ("SSL_new", P, [P]),
                        ("SSL_set_fd", I, [P, I]), ("SSL_connect", I, [P]), ("SSL_write", I, [P, ctypes.c_char_p, I])]:
    f = getattr(lib, name)
    f.restype, f.argtypes = res, args
ctx = lib.SSL_CTX_new(lib.TLS_client_method())
lib.SSL_CTX_set_verify(ctx, 0, None)
lib.SSL_CTX_set_cipher_list(ctx, b"DEFAULT:@SECLEVEL=0")
lib.SSL_CTX_ctrl(ctx, 123, 0x301, None)
s = socket.create_connection((sys.argv[2], int(sys.argv[3])))
ssl = lib.SSL_new(ctx)
lib.SSL_set_fd(ssl, s.fileno())
print("SSL_connect:", lib.SSL_connect(ssl))
req = b"GET /%s HTTP/1.0\r\n\r\n" % sys.argv[4].encode()
print("SSL_write:", lib.SSL_write(ssl, req, len(req)))
'''


def clients(build, tmp, builds):
    """name: (argv of (port, marker), extra environment)."""
    dl = os.path.join(build, "tests", "dl_openssl")
    ctypes_py = os.path.join(tmp, "dl_ctypes.py")
    with open(ctypes_py, "w") as f:
        f.write(CTYPES)
    out = {}
    for b in builds:
        lib, env = b.libssl(), dict(b.env)
        at = "" if b.name == "ossl3" else "@" + b.name
        for mode in ("local", "global"):
            out["dl_openssl%s%s" % ("" if mode == "local" else "_global", at)] = (
                lambda p, m, lib=lib, mode=mode: [dl, lib, "127.0.0.1", str(p), m, mode], env)
    # dlvsym with OpenSSL 3's version, python3 ctypes (dlopen RTLD_LOCAL).
    out["dlvsym_openssl"] = (lambda p, m: [dl, "libssl.so.3", "127.0.0.1", str(p), m, "dlvsym",
                                           "OPENSSL_3.0.0"], {})
    out["ctypes_openssl"] = (lambda p, m: [sys.executable, "-I", ctypes_py, "libssl.so.3",
                                           "127.0.0.1", str(p), m], {})
    # NSS (tests/dlsym/dl_nss.c): SSL_ImportFD, the auth and bad-certificate
    # hooks and PR_Write from dlsym on the libraries' handles, RTLD_DEFAULT, RTLD_NEXT.
    dl_nss = os.path.join(build, "tests", "dl_nss")
    for mode in ("handle", "default", "next"):
        out["dl_nss_" + mode] = (lambda p, m, mode=mode: [dl_nss, "127.0.0.1", str(p), m, mode], {})
    return out


def reaches(client, peer):
    """NSS's default range (TLS 1.2 on) never reaches the TLS 1.0 peer, shim or not."""
    return not (client.startswith("dl_nss_") and peer == "tls10")


class Suite:
    def __init__(self, build, tmp):
        self.build, self.tmp = os.path.abspath(build), tmp
        self.pki = pki.make(os.path.join(tmp, "pki"))
        self.peers = {}
        for name, (cert, lo, hi, _) in PEERS.items():
            self.peers[name] = servers.RecordingPeer(name, self.pki, cert, lo, hi, tmp).start()
        self.policy = os.path.join(tmp, "policy")
        with open(self.policy, "w") as f:
            f.write("ca-file %s\n" % os.path.join(self.pki, "ca.pem"))
        old, self.skips, errors = old_openssl_builds()
        if errors:
            raise RuntimeError("; ".join("%s: %s" % e for e in errors))
        self.clients = clients(self.build, tmp, openssl_builds() + old)
        self.n = 0

    def stop(self):
        for p in self.peers.values():
            p.stop()

    def env(self, shim, log):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "TLSGUARD"))}
        env.update(TLSGUARD_LOG=log, TLSGUARD_POLICY=self.policy, LANG="C")
        env.pop("SSL_CERT_FILE", None)
        if shim:
            env["LD_PRELOAD"] = os.path.join(self.build, "libtlsguard.so")
        return env

    def case(self, client, shim, peer_name):
        """None when it passed, else why not."""
        self.n += 1
        peer, reason = self.peers[peer_name], PEERS[peer_name][3]
        if client.startswith("dl_nss_") and reason:
            reason = NSS_REASONS[peer_name]
        marker = "tgmark-%d-%s" % (self.n, client)
        log = os.path.join(self.tmp, "case-%d.log" % self.n)
        before = len(peer.records())
        try:
            argv, extra = self.clients[client]
            res = subprocess.run(argv(peer.port, marker), env=dict(self.env(shim, log), **extra),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
            out = res.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            out = "[timed out]"
        got = peer.received(before)
        lines = open(log).read().splitlines() if os.path.exists(log) else []
        blocks = [ln for ln in lines if "action=block" in ln]
        tail = " | client: %s | log: %s" % (out.strip().replace("\n", " / ")[-300:], lines[-3:])
        reached = marker.encode() in got
        if not shim or reason is None:
            if not reached:
                return "the peer did not receive the marker" + tail
            if blocks:
                return "unexpected block: %s" % blocks
            return None
        if got:
            return "the bad peer received %d application bytes%s" % (len(got), tail)
        if len(blocks) != 1 or "tlsguard" not in blocks[0] or not re.search(reason, blocks[0]):
            return "want one block line matching /%s/, got %s%s" % (reason, blocks, tail)
        return None

    def all_cases(self):
        for client in self.clients:
            for peer in filter(lambda p, c=client: reaches(c, p), PEERS):
                for shim in (False, True):
                    name = "%s/%s/%s" % (client, "shim" if shim else "noshim", peer)
                    yield name, lambda c=client, s=shim, p=peer: self.case(c, s, p)
        probe = os.path.join(self.build, "tests", "dl_rtld_next")
        for shim in (False, True):
            name = "rtld_next/%s" % ("shim" if shim else "noshim")
            yield name, lambda s=shim: self.rtld(probe, s)

    def rtld(self, probe, shim):
        env = self.env(shim, os.path.join(self.tmp, "rtld.log"))
        pre = os.path.join(self.build, "tests", "libdl_rn_pre.so")
        env["LD_PRELOAD"] = ":".join([pre] + ([env["LD_PRELOAD"]] if shim else []))
        res = subprocess.run([probe, os.path.join(self.build, "tests")] + ["shim"] * shim, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        out = res.stdout.decode(errors="replace")
        if res.returncode != 0 or "all answers right" not in out:
            return "exit %d: %s" % (res.returncode, out.strip().replace("\n", " / ")[-600:])
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tg-dlsym-")
    suite = Suite(a.build, tmp)
    tally = Tally()
    for skip in suite.skips:
        print(skip)
    try:
        for name, run in suite.all_cases():
            if a.only and not re.search(a.only, name):
                continue
            if a.list:
                print(name)
                continue
            tally(name, run())
    finally:
        suite.stop()
    sys.exit(tally.summary())


if __name__ == "__main__":
    main()
