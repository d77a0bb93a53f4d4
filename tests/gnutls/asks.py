#!/usr/bin/env python3
"""A careful GnuTLS program's own questions under tlsguard: GnuTLS's answers.

    python3 tests/gnutls/asks.py --build build

The shim answers a program's second verification of a chain it verified
from a per-session memo (shim/gnutls/gt_memo.c). tests/gnutls/asks.c
verifies after the handshake (verify_peers3 for its name, as wget does),
then asks once more after changing the question: another name, stricter
verify flags, a CRL revoking the leaf, the CA removed from its own trust
list, a verify output function. Each case runs with and without the shim
against the same good peer; every line the client prints must be the same
(the shim never answers a question it did not answer), and the changed
question must really fail without the shim (the case tests something).
`second` then handshakes with a peer of another CA in the same process
(GnuTLS refuses it; so must the shim, whatever it parsed before).
Three ask the same question later: `later` after two seconds (the memo's
window is not one second: its answer must still be GnuTLS's), `expire`
after a short-lived leaf has expired, `ca-expire` after its CA has
(GnuTLS's "expired" must come back, never the memo's "trusted" from before).
`issuer`: a peer that leaves its intermediate out, which the program's own
issuer function on its trust list supplies (gnutls_x509_trust_list_set_
getissuer_function): the program's question must run that function as it
does without the shim (its next answer may differ: no memo answers).
The `cb-` cases ask the same inside the handshake, from the credentials'
verify function, in gnutls-cli's form (verify_peers for the name and the
TLS WWW server purpose): the question the shim asks libgnutls first and
then answers from that (shim/gnutls/gt_ask.c); `cb-later` crosses a second
boundary, `cb-expire`/`cb-ca-expire` an expiry, between the two.
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`.
"""

import argparse
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import pki  # noqa: E402
from tally import Tally  # noqa: E402

# CASE: (asks' MODE, the line that must differ from "=0" without the shim or None)
CASES = {
    "same": ("same", None),     # the memo's own case: verify_peers3 then verify_peers2
    "auto": ("auto", None),     # gnutls_session_set_verify_cert, then verify_peers2
    "other": ("other", "asked"),
    "flags": ("flags", "asked"),
    "crl": ("crl", "asked"),
    "remove": ("remove", "asked"),
    "output": ("output", None),   # the output function must still be called
    "output-thread": ("output-thread", None),  # ... set by another thread
    "later": ("later", None),     # the same question 2 s later
    "expire": ("later", "asked"),  # ... after the leaf expired (a peer of its own)
    "ca-expire": ("later", "asked"),  # ... after the only CA expired (its own CA_FILE)
    "second": ("same", "second"),  # then a peer of another CA, in the same process
    "issuer": ("issuer", None),    # the list's issuer function must run for the program's question
}
# The same inside the handshake (IN_CALLBACK): what the shim asked first must
# never answer a question that changed.
CALLBACK = ("same", "other", "flags", "crl", "remove", "output", "output-thread", "later", "expire",
            "ca-expire")
CASES.update({"cb-" + c: CASES[c] for c in CALLBACK})
# ... and a verify function left by longjmp: nothing it was asked may answer
# for a new session (no peer certificate: GnuTLS's error must come back).
CASES["cb-jump"] = ("jump", None)
# The expire case's leaf is valid until SHORT_LIFE s after it is made; asks
# asks again SHORT_SLEEP s after its first answer.
SHORT_LIFE = 4
SHORT_SLEEP = 6


def make_crl(d: str) -> str:
    """crl.pem: the test CA revoking good.pem."""
    serial = subprocess.run(["openssl", "x509", "-in", "good.pem", "-noout", "-serial"], cwd=d,
                            check=True, capture_output=True, text=True).stdout.strip().split("=")[1]
    subj = subprocess.run(["openssl", "x509", "-in", "good.pem", "-noout", "-subject",
                           "-nameopt", "compat"], cwd=d, check=True, capture_output=True,
                          text=True).stdout.strip().split("=", 1)[1].strip()
    with open(os.path.join(d, "crl-index.txt"), "w") as f:
        f.write("R\t491231000000Z\t200101000000Z\t%s\tunknown\t%s\n" % (serial, subj))
    with open(os.path.join(d, "crl.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = crl-index.txt\ndefault_md = sha256\n"
                "default_crl_days = 30\n")
    subprocess.run(["openssl", "ca", "-gencrl", "-config", "crl.cnf", "-keyfile", "ca.key",
                    "-cert", "ca.pem", "-out", "crl.pem"], cwd=d, check=True, capture_output=True)
    return os.path.join(d, "crl.pem")


class Peer:
    """A good TLS server on 127.0.0.1: handshakes, reads until EOF, closes."""

    def __init__(self, d: str, cert: str = "good"):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(d, cert + ".pem"), os.path.join(d, cert + ".key"))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(conn,), daemon=True).start()

    def one(self, conn):
        try:
            conn.settimeout(10)
            with self.ctx.wrap_socket(conn, server_side=True) as s:
                while s.recv(4096):
                    pass
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()


def run(client: str, port: int, mode: str, env: dict) -> str:
    p = subprocess.run([client, "127.0.0.1", str(port), "localhost", mode], env=env,
                       capture_output=True, text=True, timeout=30)
    return p.stdout + ("exit=%d\n" % p.returncode)


def stamp(t: float) -> str:
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


def short_peer(d: str, name: str, ca: bool) -> Peer:
    """A peer whose leaf NAME (of the test CA) expires SHORT_LIFE s from now;
    with `ca` a year-long leaf NAME of a CA NAME-ca.pem that expires then."""
    now, p = time.time(), pki.Pki(d)
    start, end = stamp(now - 3600), stamp(now + SHORT_LIFE)
    issuer = "ca"
    if ca:
        issuer = name + "-ca"
        p.dated(issuer, "ca", "/CN=tlsguard test short-lived CA", start, end, pki.LOCAL_SANS,
                selfsign=True)
        end = stamp(now + 365 * 86400)
    p.dated(name, issuer, "/CN=tlsguard test short-lived", start, end, pki.LOCAL_SANS)
    return Peer(d, name)


def run_case(case: str, client: str, d: str, peer: Peer, other: Peer, env: dict, lib: str):
    """asks' output without the shim, then with it."""
    mode = CASES[case][0]
    out = []
    if case.startswith("cb-"):
        case, env = case[3:], dict(env, IN_CALLBACK="1")
    for i, e in enumerate([env, dict(env, LD_PRELOAD=lib)]):
        if case == "issuer":  # a leaf-only peer of the chain PKI; its intermediate from the function
            c = pki.make_chain(os.path.join(d, "chain"))
            chain_peer = Peer(c, "leaf")
            out.append(run(client, chain_peer.port, mode, dict(e, CA_FILE=os.path.join(c, "ca.pem"),
                                                                ISSUER_FILE=os.path.join(c, "inter.pem"))))
            chain_peer.sock.close()
            continue
        if case not in ("expire", "ca-expire", "second"):
            out.append(run(client, peer.port, mode, e))
            continue
        if case == "second":
            out.append(run(client, peer.port, mode, dict(e, PORT2=str(other.port))))
            continue
        name = "%s%d%s" % (case, i, "cb" if "IN_CALLBACK" in e else "")
        short = short_peer(d, name, case == "ca-expire")
        if case == "ca-expire":
            e = dict(e, CA_FILE=os.path.join(d, name + "-ca.pem"))
        out.append(run(client, short.port, mode, dict(e, ASK_SLEEP=str(SHORT_SLEEP))))
        short.sock.close()
    return out


def check(case: str, shim: str, noshim: str):
    if noshim != shim:
        return "shim answered %r, GnuTLS %r" % (shim, noshim)
    if case == "cb-jump":
        return None if "same=0\n" in noshim and "fresh=E" in noshim else "no jump: %r" % noshim
    if "handshake=0\n" not in noshim or "same=0\n" not in noshim:
        return "the good peer did not verify: %r" % noshim
    must_fail = CASES[case][1]
    if must_fail and "%s=0\n" % must_fail in noshim:
        return "without the shim the changed question passes: the case tests nothing"
    if case.endswith(("output", "output-thread")) and "outputs=0\n" in noshim:
        return "the output function was never called"
    if case == "issuer" and "issuer_calls=0\n" in noshim:
        return "the issuer function was never called"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
    client = os.path.abspath(os.path.join(args.build, "tests", "gnutls_asks"))
    tally = Tally("ok   ")
    with tempfile.TemporaryDirectory(prefix="tg-asks-") as tmp:
        d = pki.make(os.path.join(tmp, "pki"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("TLSGUARD_")}
        env.update(CA_FILE=os.path.join(d, "ca.pem"), CRL_FILE=make_crl(d),
                   TLSGUARD_LOG=os.path.join(tmp, "shim.log"))
        peer, other = Peer(d), Peer(d, "untrusted")
        for case in CASES:
            noshim, shim = run_case(case, client, d, peer, other, env, lib)
            why = check(case, shim, noshim)
            tally("gnutls_asks/%s" % case, why)
        peer.sock.close()
        other.sock.close()
    return tally.summary()


if __name__ == "__main__":
    sys.exit(main())
