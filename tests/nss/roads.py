#!/usr/bin/env python3
"""NSS roads under tlsguard: build/tests/nss_roads takes one road to the
wire around the usual import + hooks + PR_Write (tests/nss/roads.c).

    python3 tests/nss/roads.py --build build [--only REGEX]

Each road is run against a bad peer without the shim (the control: the
marker reaches it) and with it (no byte reaches it, one block line), and
against a good peer with it (the marker arrives). Peers are tests/nss/run.py's;
a recording TCP relay in front of each also sees what is written beneath TLS
(the guard, lower and native roads write plaintext under the SSL layer: with the shim
a blocked connection is shut, so those bytes do not leave either). Then
build/tests/nss_asker (tests/nss/asker.c): a program's auth hook asking
SSL_AuthCertificate about a good peer gets the same answer with the shim as
without it, whichever socket, URL or database it asks about, and whether
the program's database or only the policy's anchors trust the peer's CA,
or the policy names the peer's own self-signed certificate as an anchor.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as nss  # noqa: E402
import servers  # noqa: E402
from tgtest import free_port  # noqa: E402

TLS_ROADS = ["model", "defaults", "reconfig", "falsestart", "rehandshake", "timeout", "writev", "send",
             "transmitfile", "sendfile", "methods"]
RAW_ROADS = ["guard", "lower", "native"]
# Roads that write beneath NSS's SSL API (a layer's method called directly, the
# guard or a lower layer): the error they see is that layer's, not one the
# shim's PR_ErrorToString text is kept for; what they must not do is move a byte.
BENEATH_API = ["methods", "guard", "lower", "native"]
FLOOR_ROADS = ["model", "defaults", "reconfig"]  # the old range set some other way


class Peer:
    """One case's tests/lib/servers.py RecordingPeer (a log of its own, so
    no other case's bytes are counted); what it received is read at stop."""

    count = 0

    def __init__(self, pki, cert, lo, hi, work):
        Peer.count += 1
        self.peer = servers.RecordingPeer("roads%d" % Peer.count, pki, cert, lo.name, hi.name, work,
                                          ciphers="DEFAULT:@SECLEVEL=0" if lo < nss.V.TLSv1_2 else "",
                                          close=True).start()
        self.port, self.received = self.peer.port, b""

    def stop(self):
        self.received = self.peer.received(0)
        self.peer.stop()


def case(s, name, road, peer, shim, reason, marker):
    if s.args.only and not re.search(s.args.only, name):
        return
    cert, lo, hi, _ = nss.PEERS[peer]
    p = Peer(s.pki, cert, lo, hi, s.work)
    relay = servers.RecordingRelay(p.port)
    log = os.path.join(s.work, re.sub(r"\W", "_", name) + ".log")
    open(log, "w").close()
    cmd = [os.path.join(s.args.build, "tests", "nss_roads"), road, "localhost", str(relay.port), marker]
    try:
        r = nss.run(cmd, marker, s.env(shim, s.base, log))
    finally:
        relay.stop()
        p.stop()
    p.port = relay.port  # the port the client (and the block line) knows
    lines = [l for l in open(log).read().splitlines() if "action=" in l and "action=notice" not in l]
    if road in RAW_ROADS:
        p.received = relay.raw if marker.encode() in relay.raw else p.received
    got = marker.encode() in p.received
    s.check(name, nss.judge(shim, reason, got, lines, p.port, p.received, r, text=road not in BENEATH_API,
                            wrote=len(marker) + 1))


class DtlsPeer:
    """openssl s_server over UDP (Python's ssl has no DTLS); what it received
    is in its stdout."""

    def __init__(self, pki, cert, version, out):
        self.port, self.out = free_port(), out
        self.proc = subprocess.Popen(
            ["openssl", "s_server", version, "-accept", "127.0.0.1:%d" % self.port,
             "-cert", os.path.join(pki, cert + ".pem"), "-key", os.path.join(pki, cert + ".key"),
             "-cipher", "DEFAULT:@SECLEVEL=0"],
            stdin=subprocess.PIPE, stdout=open(out, "wb"), stderr=subprocess.STDOUT,
            env=nss.clean_env() if hasattr(nss, "clean_env") else None, start_new_session=True)
        time.sleep(0.5)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.received = open(self.out, "rb").read()


def dtls_case(s, name, peer, shim, reason):
    if s.args.only and not re.search(s.args.only, name):
        return
    cert, version = {"selfsigned": ("selfsigned", "-dtls"), "good12": ("good", "-dtls1_2"),
                     "dtls10": ("good", "-dtls1")}[peer]
    p = DtlsPeer(s.pki, cert, version, os.path.join(s.work, re.sub(r"\W", "_", name) + ".out"))
    log = os.path.join(s.work, re.sub(r"\W", "_", name) + ".log")
    open(log, "w").close()
    marker = "MARKER-dtls-" + peer
    cmd = [os.path.join(s.args.build, "tests", "nss_roads"), "dtls", "localhost", str(p.port), marker]
    try:
        r = nss.run(cmd, marker, s.env(shim, s.base, log))
    finally:
        p.stop()
    if marker.encode() not in p.received:
        p.received = b""  # the handshake lines s_server prints are no application byte
    lines = [l for l in open(log).read().splitlines() if "action=" in l and "action=notice" not in l]
    s.check(name, nss.judge(shim, reason, marker.encode() in p.received, lines, p.port, p.received, r,
                            wrote=len(marker) + 1))


def strict(s):
    """SSL_ReconfigFD from a model whose hook refuses everything: the good
    peer gets no byte with the shim either (the program's check is kept)."""
    for shim in (False, True):
        name = "roads/strict/%s/good13" % ("shim" if shim else "noshim")
        if s.args.only and not re.search(s.args.only, name):
            continue
        p = Peer(s.pki, "good", nss.V.TLSv1_3, nss.V.TLSv1_3, s.work)
        cmd = [os.path.join(s.args.build, "tests", "nss_roads"), "strict", "localhost", str(p.port), "MARKER-strict"]
        try:
            r = nss.run(cmd, "MARKER-strict", s.env(shim, s.base, os.path.join(s.work, "strict.log")))
        finally:
            p.stop()
        s.check(name, "the program's own refusal was lost: %r (%s)" % (p.received[:40], r.stdout.decode())
                if p.received else None)


# asker mode: (what SSL_AuthCertificate answers in the program's hook, the
# marker arrives); the same with the shim as without it (tests/nss/asker.c).
ASKERS = {
    "plain": ("asked: ok", True),  # the shim may answer it from its own check
    "url": ("asked: SSL_ERROR_BAD_CERT_DOMAIN", False),  # the URL changed since
    "socket": ("asked: SSL_ERROR_BAD_CERT_DOMAIN", False),  # another socket's question
    "db": ("asked: ok", True),  # another database: NSS's answer (3.87 reads only its OCSP set-up)
}
# The program's database trusts no CA; the shim's check passes on the
# policy's anchors (global ca-file, a host block's), a question NSS's own
# SSL_AuthCertificate never asked: it must get NSS's answer, a refusal of
# the issuer (unknown; under the shim NSS knows the CA, as a temporary
# certificate without trust that the policy's anchors are: untrusted).
ANCHOR_ASKERS = {
    "anchors-global": "",
    "anchors-host": "host localhost\n    ca-file %s/ca.pem\n",
}


# The policy names the peer's own self-signed certificate (`openssl req
# -x509`'s) as an anchor, global or a host block's: the shim's check lets
# it through on that alone, a question NSS's own SSL_AuthCertificate never
# asked either (the program's database trusts nothing): NSS's answer.
PINNED_ASKERS = {
    "pinned-global": "ca-file %s/selfsigned.pem\n",
    "pinned-host": "host localhost\n    ca-file %s/selfsigned.pem\n",
}


def ask(s, name, mode, db, policy, asked, arrives, cert="good"):
    for shim in (False, True):
        case_name = "roads/asker-%s/%s/%s" % (name, "shim" if shim else "noshim",
                                              "good13" if cert == "good" else cert)
        if s.args.only and not re.search(s.args.only, case_name):
            continue
        p = Peer(s.pki, cert, nss.V.TLSv1_3, nss.V.TLSv1_3, s.work)
        marker = "MARKER-asker-" + name
        cmd = [os.path.join(s.args.build, "tests", "nss_asker"), mode, "localhost", str(p.port), marker, db]
        try:
            r = nss.run(cmd, marker, s.env(shim, policy, os.path.join(s.work, "asker.log")))
        finally:
            p.stop()
        said = r.stdout.decode(errors="replace")
        got = marker.encode() in p.received
        why = None
        if not set(asked.split("|")) & set(said.splitlines()):
            why = "the hook's SSL_AuthCertificate did not answer %r: %s" % (asked, said[-300:])
        elif got != arrives:
            why = "the marker %s: %s" % ("never arrived" if arrives else "arrived", said[-300:])
        s.check(case_name, why)


def askers(s):
    """A program's auth hook asks SSL_AuthCertificate about a good peer's
    certificate: the question the shim's check just answered yes to gets
    yes; a question about another URL, socket or database, or one the
    shim's check answered only with the policy's anchors, gets NSS's own
    answer, which fails where NSS's fails (the shim must not have answered
    it from its check)."""
    db = os.path.join(s.work, "askerdb")
    os.makedirs(db)
    subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", "sql:" + db, "-n", "test-ca", "-t", "C,,", "-i",
                    os.path.join(s.pki, "ca.pem")], check=True)
    for mode, (asked, arrives) in sorted(ASKERS.items()):
        ask(s, mode, mode, db, s.base, asked, arrives)
    for name, text in sorted(ANCHOR_ASKERS.items()):
        policy = s.base
        if text:  # the host block's anchors only, no global ca-file
            policy = os.path.join(s.work, name + ".policy")
            with open(policy, "w") as f:
                f.write(text % s.pki)
        ask(s, name, "plain", s.db, policy,
            "asked: SEC_ERROR_UNKNOWN_ISSUER|asked: SEC_ERROR_UNTRUSTED_ISSUER", False)
    for name, text in sorted(PINNED_ASKERS.items()):
        policy = os.path.join(s.work, name + ".policy")
        with open(policy, "w") as f:
            f.write(text % s.pki)
        ask(s, name, "plain", s.db, policy, "asked: SEC_ERROR_INADEQUATE_CERT_TYPE", False, cert="selfsigned")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tg-nssroads-")
    try:
        s = nss.Suite(args, work)
        s.base = s.policy("base", "")
        for road in TLS_ROADS + RAW_ROADS:
            bad = [("selfsigned", nss.PEERS["selfsigned"][3]), ("wrongname", r"not valid for")]
            if road in FLOOR_ROADS:
                bad.append(("tls10", r"protocol below TLS 1.2"))
            for peer, reason in bad:
                for shim in (False, True):
                    case(s, "roads/%s/%s/%s" % (road, "shim" if shim else "noshim", peer), road, peer,
                         shim, reason, "MARKER-" + road)
            if road in TLS_ROADS:
                good = "good12" if road == "falsestart" else "good13"  # it asks for TLS 1.2 only
                case(s, "roads/%s/shim/%s" % (road, good), road, good, True, None, "MARKER-" + road)
        strict(s)
        askers(s)
        for peer, reason in (("selfsigned", nss.PEERS["selfsigned"][3]), ("dtls10", r"protocol below")):
            for shim in (False, True):
                dtls_case(s, "roads/dtls/%s/%s" % ("shim" if shim else "noshim", peer), peer, shim, reason)
        dtls_case(s, "roads/dtls/shim/good12", "good12", True, None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (s.passed, s.failed))
    sys.exit(1 if s.failed else 0)


if __name__ == "__main__":
    main()
