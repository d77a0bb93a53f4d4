#!/usr/bin/env python3
"""NSS trust under tlsguard: whose anchors a connection is checked against,
and what one connection's check leaves behind for the rest of the process.

    python3 tests/nss/trust.py --build build [--only REGEX]

build/tests/nss_hosts (tests/nss/hosts.c) makes several careless
connections and certificate checks of its own in one process; the peer
serves tests/lib/pki.py's `untrusted` certificate (signed by otherca,
"CA-X"; SANs localhost and 127.0.0.1), so host A is `localhost` and host
B is `127.0.0.1`, the same peer under two names. Cases:

  hosts/*    host A's policy block trusts CA-X (a ca-file), host B's does
             not: B is blocked whether A connected before or not, A is let
             through; the program's own CERT_VerifyCertificateNow never
             accepts CA-X (the shim gives a host block's anchors to its own
             check only, never to NSS's database); a program whose own
             database trusts CA-X keeps that trust after host A's check;
             a thread verifying on its own while another connects to A
             never sees CA-X trusted.
  errtext/*  after a block, the program's own certificate check failing
             with the same code in the same thread keeps NSS's own text.
  pinned/*   a self-signed server certificate named as an anchor itself
             (the policy's ca-file, global or in a host block that matches
             the name, or a global ca-dir holding it): `openssl req -x509`'s (CA:TRUE) and a CA:FALSE one
             are let through; the same leaf expired, the same leaf for a
             name it lacks, a different self-signed leaf named, a host
             block for another host, a pin the leaf lacks: blocked.
  system/*   a NSS_NoDB_Init program (tests/nss/careless.c: no trust at
             all) and a policy without ca-file: the system trust
             (SSL_CERT_FILE, as SPEC.md's default verify paths) is what it
             is checked against: a good peer signed by it passes, a
             self-signed or otherca-signed one is blocked.

Every blocking case has its no-shim control (the bad peer gets the marker).
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as nss  # noqa: E402  (tests/nss/run.py: Suite, peers, judge)

A, B = "localhost", "127.0.0.1"


class Trust(nss.Suite):
    def write_policy(self, name, text):
        path = os.path.join(self.work, name + ".policy")
        with open(path, "w") as f:
            f.write(text)
        return path

    def peer(self, name):
        if name not in self.peers:
            self.peers[name] = nss.start_peer(name, self.pki, self.work)
        return self.peers[name]

    def exec(self, name, cmd, shim, policy, extra_env=None):
        """(CompletedProcess, block lines, log path) of one run."""
        log = os.path.join(self.work, re.sub(r"\W", "_", name) + ".log")
        open(log, "w").close()
        env = self.env(shim, policy, log)
        env.update(extra_env or {})
        r = nss.run(cmd, "", env)
        lines = [l for l in open(log).read().splitlines() if "action=block" in l]
        return r, lines

    def cert_peer(self, cert):
        """A good peer (TLS 1.2 and 1.3) serving <pki>/<cert>.pem."""
        if "cert-" + cert not in self.peers:
            self.peers["cert-" + cert] = nss.servers.RecordingPeer(
                "cert-" + cert, self.pki, cert, "TLSv1_2", "TLSv1_3", self.work, ciphers="", close=True).start()
        return self.peers["cert-" + cert]

    def wanted(self, name):
        return not (self.args.only and not re.search(self.args.only, name))


def hosts_cmd(s, db, *steps):
    return [os.path.join(s.args.build, "tests", "nss_hosts"), db] + [str(x) for x in steps]


def two_hosts(s):
    """Host A's ca-file trusts CA-X, B's policy only the test CA."""
    pol = s.write_policy("hosts", "ca-file %s/ca.pem\nhost %s\n    ca-file %s/otherca.pem\n"
                         % (s.pki, A, s.pki))
    p = s.peer("untrusted")
    leaf = os.path.join(s.pki, "untrusted.pem")
    for order in ("a-then-b", "b-then-a"):
        for shim in (False, True):
            name = "hosts/%s/%s" % (order, "shim" if shim else "noshim")
            if not s.wanted(name):
                continue
            steps = [("conn", A, p.port, "MARK-A"), ("conn", B, p.port, "MARK-B")]
            if order == "b-then-a":
                steps.reverse()
            flat = [x for st in steps for x in st] + ["verify", leaf]
            before = len(p.records())
            r, lines = s.exec(name, hosts_cmd(s, "nodb", *flat), shim, pol)
            got = p.received(before)
            out = r.stdout.decode(errors="replace")
            tail = " (rc %d: %s %s)" % (r.returncode, out[-300:], r.stderr.decode(errors="replace")[-200:])
            if not shim:
                why = None if b"MARK-B" in got and b"MARK-A" in got else "the peer lacks a marker" + tail
            elif b"MARK-A" not in got:
                why = "host A (its block trusts CA-X) was refused: %s%s" % (lines, tail)
            elif b"MARK-B" in got:
                why = "host B (no CA-X in its policy) got its marker" + tail
            elif (len(lines) != 1 or "host=%s" % B not in lines[0]
                  or not re.search(r"UN(KNOWN|TRUSTED)_ISSUER", lines[0])):
                why = "want one block line for host B (unknown issuer): %s" % lines
            elif "verify: failed" not in out:
                why = "the program's own verification accepted CA-X" + tail
            else:
                why = None
            s.check(name, why)


def own_db(s):
    """The program's own database trusts CA-X and host A's block names it
    too: after A's check the program (and host B, on the program's trust)
    still trusts it."""
    db = os.path.join(s.work, "db-otherca")
    os.makedirs(db)
    subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", "sql:" + db, "-n", "otherca", "-t", "C,,",
                    "-i", os.path.join(s.pki, "otherca.pem")], check=True)
    pol = s.write_policy("owndb", "host %s\n    ca-file %s/otherca.pem\n" % (A, s.pki))
    p = s.peer("untrusted")
    leaf = os.path.join(s.pki, "untrusted.pem")
    name = "hosts/own-db-kept/shim"
    if not s.wanted(name):
        return
    before = len(p.records())
    r, lines = s.exec(name, hosts_cmd(s, "sql:" + db, "conn", A, p.port, "MARK-A", "conn", B, p.port,
                                      "MARK-B", "verify", leaf), True, pol)
    got = p.received(before)
    out = r.stdout.decode(errors="replace")
    if b"MARK-A" not in got or b"MARK-B" not in got or lines:
        why = "a peer the program's own database trusts was refused: %s (%s)" % (lines, out[-300:])
    elif "verify: ok" not in out:
        why = "the program's own trust in CA-X was taken away: " + out[-300:]
    else:
        why = None
    s.check(name, why)
    res = subprocess.run(["certutil", "-L", "-d", "sql:" + db], stdout=subprocess.PIPE).stdout.decode()
    s.check("hosts/own-db-unchanged", None if re.search(r"otherca\s+C,,", res) else
            "the program's database trust was changed: " + res)


def racing(s):
    """One thread connects to host A again and again while another asks NSS
    about CA-X's certificate on its own: never accepted."""
    pol = s.write_policy("race", "host %s\n    ca-file %s/otherca.pem\n" % (A, s.pki))
    p = s.peer("untrusted")
    name = "hosts/race/shim"
    if not s.wanted(name):
        return
    r, lines = s.exec(name, hosts_cmd(s, "nodb", "race", A, p.port, 40,
                                      os.path.join(s.pki, "untrusted.pem")), True, pol)
    out = r.stdout.decode(errors="replace")
    m = re.search(r"race: (\d+) accepted of (\d+) checks", out)
    if not m:
        why = "no race result: %s %s" % (out[-300:], r.stderr.decode(errors="replace")[-300:])
    elif m.group(1) != "0" or lines:
        why = "the program's own check accepted CA-X %s times of %s (or A refused: %s)" % (
            m.group(1), m.group(2), lines)
    else:
        why = None
    s.check(name, why)


def own_error_text(s):
    """A block's error text is the block's only: the program's own
    CERT_VerifyCertificateNow failing with the same code in the same thread
    right after a blocked connection keeps NSS's own text."""
    pol = s.write_policy("errtext", "ca-file %s/ca.pem\n" % s.pki)
    p = s.peer("untrusted")
    name = "errtext/own-verify-after-block/shim"
    if not s.wanted(name):
        return
    r, lines = s.exec(name, hosts_cmd(s, "nodb", "conn", A, p.port, "-", "verify",
                                      os.path.join(s.pki, "untrusted.pem")), True, pol)
    out = r.stdout.decode(errors="replace")
    conn = re.search(r"conn %s: handshake failed (\S+): (.*)" % A, out)
    own = re.search(r"verify: failed (\S+): (.*)", out)
    if not conn or "tlsguard" not in conn.group(2) or len(lines) != 1:
        why = "the blocked connection's error does not name tlsguard: " + out[-400:]
    elif not own or own.group(1) != "SEC_ERROR_UNKNOWN_ISSUER":
        why = "the program's own check did not fail as NSS's own: " + out[-400:]
    elif "tlsguard" in own.group(2):
        why = "the program's own error got tlsguard's text: " + own.group(0)
    else:
        why = None
    s.check(name, why)


def system_trust(s):
    """NSS_NoDB_Init, no ca-file in the policy: SSL_CERT_FILE is the trust."""
    pol = s.write_policy("system", "mode enforce\n")
    careless = os.path.join(s.args.build, "tests", "nss_careless")
    env = {"SSL_CERT_FILE": os.path.join(s.pki, "ca.pem")}
    for peer, reason in (("good13", None), ("good12", None), ("selfsigned", r"certificate verification"),
                         ("untrusted", r"SEC_ERROR_UNKNOWN_ISSUER")):
        for shim in (False, True):
            if not shim and reason is None:
                continue
            name = "system/%s/%s" % ("shim" if shim else "noshim", peer)
            if not s.wanted(name):
                continue
            p = s.peer(peer)
            marker = "MARKER-sys-" + peer
            before = len(p.records())
            r, lines = s.exec(name, [careless, A, str(p.port), marker, "url", "force"], shim, pol, env)
            got = p.received(before)
            s.check(name, nss.judge(shim, reason, marker.encode() in got, lines, p.port, got, r,
                                    wrote=len(marker) + 1))


def pinned_certs(s):
    """pinleaf (CA:FALSE, SANs localhost, 127.0.0.1), pinother (the same,
    another key), pinexpired (the same, valid 2020 .. 2021)."""
    p = nss.pki.Pki(s.pki)
    if not p.done(".pinned"):
        sans = nss.pki.LOCAL_SANS
        p.self_signed_server("pinleaf", "/CN=tlsguard pinned leaf", sans)
        p.self_signed_server("pinother", "/CN=tlsguard pinned leaf", sans)
        p.dated("pinexpired", "pinexpired", "/CN=tlsguard pinned expired", "20200101000000Z",
                "20210101000000Z", sans, selfsign=True, leaf=True)
        p.write_pins(["pinleaf"])
        p.mark(".pinned")


# (case, certificate served, certificate the policy names, careless's URL
# words, the block's reason or None: let through)
PINNED = [
    ("selfsigned", "selfsigned", "selfsigned", ["url"], None),
    ("leaf", "pinleaf", "pinleaf", ["url"], None),
    ("leaf-ip", "pinleaf", "pinleaf", [], None),  # no URL: THE name is the IP
    ("expired", "pinexpired", "pinexpired", ["url"], r"SEC_ERROR_EXPIRED_CERTIFICATE"),
    ("wrongname", "pinleaf", "pinleaf", ["url=wrong.example"], r"not valid for"),
    ("selfsigned-wrongname", "selfsigned", "selfsigned", ["url=wrong.example"], r"not valid for"),
    ("different", "pinleaf", "pinother", ["url"], r"certificate verification failed"),
]


def pinned_policies(s, named):
    """{scope: policy text} naming `named`.pem as an anchor: the global
    ca-file, a host block's matching every name the cases use, the global
    ca-dir."""
    pem = os.path.join(s.pki, named + ".pem")
    d = os.path.join(s.work, "pindir-" + named)  # a ca-dir holding it alone
    if not os.path.isdir(d):
        os.makedirs(d)
        shutil.copy(pem, d)
    return {"global": "ca-file %s\n" % pem,
            "host": "host localhost 127.0.0.1 wrong.example\n    ca-file %s\n" % pem,
            "dir": "ca-dir %s\n" % d}


def pinned_run(s, name, served, policy_text, words, reason):
    pol = s.write_policy(re.sub(r"\W", "_", name), policy_text)
    careless = os.path.join(s.args.build, "tests", "nss_careless")
    for shim in (False, True):
        if not shim and reason is None:
            continue
        case_name = "pinned/%s/%s" % (name, "shim" if shim else "noshim")
        if not s.wanted(case_name):
            continue
        p = s.cert_peer(served)
        marker = "MARKER-pinned"
        host = "127.0.0.1" if not words else A
        before = len(p.records())
        r, lines = s.exec(case_name, [careless, host, str(p.port), marker, "force"] + words, shim, pol)
        got = p.received(before)
        s.check(case_name, nss.judge(shim, reason, marker.encode() in got, lines, p.port, got, r,
                                     wrote=len(marker) + 1))


def pinned(s):
    """The policy names the server's own self-signed certificate."""
    pinned_certs(s)
    for case, served, named, words, reason in PINNED:
        for scope, text in sorted(pinned_policies(s, named).items()):
            pinned_run(s, "%s/%s" % (scope, case), served, text, words, reason)
    pem = os.path.join(s.pki, "pinleaf.pem")
    other = "host 127.0.0.1\n    ca-file %s\n" % pem  # another host's block: not localhost's anchor
    pinned_run(s, "host-other/leaf", "pinleaf", other, ["url"], r"certificate verification failed")
    for case, pin, reason in (("pin-match", "pinleaf", None), ("pin-mismatch", "ca", r"pin mismatch")):
        text = "ca-file %s\nhost localhost\n    pin %s\n" % (pem, nss.pki.pin(s.pki, pin))
        pinned_run(s, "%s/leaf" % case, "pinleaf", text, ["url"], reason)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tg-nsstrust-")
    s = None
    try:
        s = Trust(args, work)
        two_hosts(s)
        own_db(s)
        racing(s)
        own_error_text(s)
        system_trust(s)
        pinned(s)
    finally:
        if s:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (s.passed, s.failed))
    sys.exit(1 if s.failed else 0)


if __name__ == "__main__":
    main()
