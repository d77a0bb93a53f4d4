#!/usr/bin/env python3
"""GnuTLS programs under tlsguard: real clients against real bad peers.

    python3 tests/gnutls/run.py --build build [--only REGEX] [--list]

Peers are tests/lib/servers.py's RecordingPeer (tests/lib/peer_server.py:
Python's ssl on the system OpenSSL, one thread per connection) on 127.0.0.1
with the certificates of tests/lib/pki.py: each records every application
byte it receives and answers one HTTP reply.
Clients are real GnuTLS programs: `wget --no-check-certificate`,
`wget --secure-protocol=TLSv1`, `gnutls-cli --insecure`, `git -c
http.sslVerify=false ls-remote` (git-remote-https, libcurl-gnutls) and
tests/gnutls/careless.c (verification ignored, TLS 1.0 allowed, handshake result
ignored, writes anyway; one case per way of setting a priority).

Cases are <client>/<shim|noshim>/<peer>[/<variant>]. Without the shim every bad
peer receives the case's marker (the test tests something); with it, a bad peer
receives no byte at all and the log has exactly one block line naming tlsguard,
host, port and the reason; a good peer receives the marker and nothing is
blocked. Then pins, audit mode, min-protocol TLSv1.3, weak suites, resumption
across names and `tlsguard report` on the log. Prints `ok NAME` / `FAIL NAME:
why`, then `N passed, N failed`; exits 1 on any failure.
"""

import argparse
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)

CLIENT_TIMEOUT = 30
LEGACY = "DEFAULT:@SECLEVEL=0"
V = ssl.TLSVersion


@dataclass
class PeerSpec:
    cert: str
    min_v: ssl.TLSVersion
    max_v: ssl.TLSVersion
    ciphers: Optional[str] = None
    reason: Optional[str] = None      # regex the block's reason must match; None: good


PEERS: Dict[str, PeerSpec] = {
    "good13": PeerSpec("good", V.TLSv1_3, V.TLSv1_3),
    "good12": PeerSpec("good", V.TLSv1_2, V.TLSv1_2),
    # "peer cannot do": refused by the floor in the ClientHello, not only
    # after the fact by the version check on the session.
    "tls10": PeerSpec("good", V.TLSv1, V.TLSv1, LEGACY, r"peer cannot do TLS 1\.2 or later"),
    "tls11": PeerSpec("good", V.TLSv1_1, V.TLSv1_1, LEGACY, r"peer cannot do TLS 1\.2 or later"),
    "selfsigned": PeerSpec("selfsigned", V.TLSv1, V.TLSv1_3, LEGACY, r"self.signed"),
    "untrusted": PeerSpec("untrusted", V.TLSv1, V.TLSv1_3, LEGACY, r"issuer"),
    "wrongname": PeerSpec("wrongname", V.TLSv1, V.TLSv1_3, LEGACY, r"mismatch"),
    "expired": PeerSpec("expired", V.TLSv1, V.TLSv1_3, LEGACY, r"expired"),
}
EXTRA_PEERS: Dict[str, PeerSpec] = {
    # OpenSSL 3 here has no 3DES or RC4 suites: the NULL cipher is the weak one.
    "weaknull": PeerSpec("good", V.TLSv1_2, V.TLSv1_2, "ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0",
                         r"weak cipher"),
}
GOOD = [n for n, p in PEERS.items() if p.reason is None]
BAD = [n for n, p in PEERS.items() if p.reason is not None]


def start_peer(name: str, spec: PeerSpec, pki_dir: str, workdir: str) -> servers.RecordingPeer:
    """The peer `name`: it closes after its reply (wget and careless read
    until then); no cipher string of its own: Python's default."""
    return servers.RecordingPeer(name, pki_dir, spec.cert, spec.min_v.name, spec.max_v.name, workdir,
                                 ciphers=spec.ciphers or "", close=True).start()


@dataclass
class Client:
    name: str
    argv: Callable[[int, str], List[str]]      # (port, marker) -> argv
    stdin: Callable[[str], bytes] = lambda marker: b""
    skip: Optional[str] = None


def make_clients(build: str, home: str) -> Dict[str, Client]:
    careless = os.path.join(build, "tests", "gnutls_careless")
    wget = ["wget", "-q", "-O", "-", "--tries=1", "--timeout=10", "--no-hsts"]
    url = lambda p, m: "https://localhost:%d/%s" % (p, m)  # noqa: E731
    clients = [
        Client("wget_nocheck", lambda p, m: wget + ["--no-check-certificate", url(p, m)]),
        Client("wget_tls1", lambda p, m: wget + ["--secure-protocol=TLSv1",
                                                 "--no-check-certificate", url(p, m)]),
        Client("gnutls_cli", lambda p, m: ["gnutls-cli", "--insecure", "-p", str(p), "localhost"],
               stdin=lambda m: b"GET /%s HTTP/1.0\r\n\r\n" % m.encode()),
        Client("git", lambda p, m: ["git", "-c", "http.sslVerify=false", "ls-remote", url(p, m)]),
    ]
    for road in ("direct", "cache", "init2", "default", "append", "peers"):
        clients.append(Client("careless_" + road,
                              lambda p, m, r=road: [careless, "localhost", str(p), m, r]))
    for c in clients:
        tool = c.argv(1, "x")[0]
        if not shutil.which(tool) and not os.path.exists(tool):
            c.skip = "%s not installed" % tool
    return {c.name: c for c in clients}


@dataclass
class Case:
    name: str
    client: Client
    peer: str
    shim: bool
    expect: str                       # "connects" | "blocked" | "audit" | "refused" (by
                                      # the program itself: no marker, no decision)
    reason: Optional[str] = None      # regex for the log line's reason
    policy: str = ""                  # extra policy lines
    env: Dict[str, str] = field(default_factory=dict)
    marker_absent: Optional[str] = None  # a second marker the peer must not see
    host: str = "localhost"           # the host= of its log line


class Suite:
    def __init__(self, build: str, tmp: str):
        self.build = os.path.abspath(build)
        self.tmp = tmp
        self.pki = pki.make(os.path.join(tmp, "pki"))
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home, exist_ok=True)
        self.peers: Dict[str, servers.RecordingPeer] = {}
        for n, spec in dict(PEERS, **EXTRA_PEERS).items():
            self.peers[n] = start_peer(n, spec, self.pki, tmp)
        self.clients = make_clients(self.build, self.home)
        self.count = 0

    def pin(self, name: str) -> str:
        return pki.pin(self.pki, name)

    def run(self, case: Case) -> Optional[str]:
        """None when the case passed, else why not."""
        self.count += 1
        peer = self.peers[case.peer]
        marker = "tgmark-%d-%s" % (self.count, re.sub(r"[^a-z0-9]+", "-", case.name))
        log = os.path.join(self.tmp, "case-%d.log" % self.count)
        policy = os.path.join(self.tmp, "case-%d.policy" % self.count)
        with open(policy, "w") as f:
            f.write("ca-file %s\n%s" % (os.path.join(self.pki, "ca.pem"), case.policy))
        env = dict(os.environ, HOME=self.home, GIT_TERMINAL_PROMPT="0", TLSGUARD_LOG=log,
                   TLSGUARD_POLICY=policy, LANG="C")
        env.pop("SSL_CERT_FILE", None)
        env.pop("LD_PRELOAD", None)
        if case.shim:
            env["LD_PRELOAD"] = os.path.join(self.build, "libtlsguard.so")
        env.update(case.env)
        start = len(peer.records())
        try:
            res = subprocess.run(case.client.argv(peer.port, marker), env=env,
                                 input=case.client.stdin(marker), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
            out = res.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") + "\n[timed out]"
        got = peer.received(start)
        lines = open(log).read().splitlines() if os.path.exists(log) else []
        return judge(case, peer, marker, got, lines, out)


def judge(case: Case, peer: servers.RecordingPeer, marker: str, got: bytes, lines: List[str],
          out: str) -> Optional[str]:
    decisions = [ln for ln in lines if re.search(r"action=(block|audit)", ln)]
    tail = " | client: " + out.strip().replace("\n", " / ")[-300:]
    reached = marker.encode() in got
    if case.marker_absent and (marker + case.marker_absent).encode() in got:
        return "the peer received the second connection's marker" + tail
    if case.expect == "refused":
        if reached or decisions:
            return "want the program's own refusal alone: marker %s, decisions %s" % (
                reached, decisions) + tail
        return None
    if case.expect == "connects":
        if not reached:
            return "the peer did not receive the marker" + tail + " | log: %s" % lines
        if decisions:
            return "unexpected decision: %s" % decisions
        return None
    if case.expect == "audit":
        if not reached:
            return "audit mode blocked: the peer did not receive the marker" + tail
        want = "audit"
    else:
        if case.marker_absent is None and got:
            return "the peer received %d bytes: %r" % (len(got), got[:80]) + tail
        if case.marker_absent is not None and not reached:
            return "the first connection did not get through" + tail
        want = "block"
    if len(decisions) != 1:
        return "want exactly one %s line, got %d: %s" % (want, len(decisions), lines) + tail
    ln = decisions[0]
    m = re.search(r'reason="([^"]*)"', ln)
    if not (ln.startswith("tlsguard:") and "action=%s" % want in ln and "host=%s " % case.host in ln
            and "port=%d" % peer.port in ln and m and re.search(case.reason or ".", m.group(1))):
        return "log line does not name tlsguard, %s, host, port %d and /%s/: %s" % (
            want, peer.port, case.reason, ln)
    return None


def matrix(s: Suite) -> List[Case]:
    cases = []
    for cname, client in s.clients.items():
        if cname.startswith("careless_") and cname not in ("careless_direct", "careless_peers"):
            continue  # the other priority roads: against the legacy peers below
        for pname in GOOD + BAD:
            spec = PEERS[pname]
            cases.append(Case("%s/noshim/%s" % (cname, pname), client, pname, False, "connects"))
            cases.append(Case("%s/shim/%s" % (cname, pname), client, pname, True,
                              "connects" if spec.reason is None else "blocked", spec.reason))
    for road in ("cache", "init2", "default", "append"):
        client = s.clients["careless_" + road]
        for pname in ("tls10", "tls11", "selfsigned", "good13", "good12"):
            spec = PEERS[pname]
            cases.append(Case("%s/noshim/%s" % (client.name, pname), client, pname, False, "connects"))
            cases.append(Case("%s/shim/%s" % (client.name, pname), client, pname, True,
                              "connects" if spec.reason is None else "blocked", spec.reason))
    return cases


def extras(s: Suite) -> List[Case]:
    cl = s.clients
    cli, careless, wget = cl["gnutls_cli"], cl["careless_direct"], cl["wget_nocheck"]
    weak = Client("careless_weak", lambda p, m: [cl["careless_direct"].argv(p, m)[0], "localhost",
                                                 str(p), m, "weak"])
    resume = lambda sni: Client("careless_resume_" + sni.split(".")[0],  # noqa: E731
                                lambda p, m: [cl["careless_direct"].argv(p, m)[0], "localhost",
                                              str(p), m, "resume", sni])
    good_pins = "host localhost\n    pin %s\n    pin %s\n" % (s.pin("good"), s.pin("otherca"))
    ca_pin = "host localhost\n    pin %s\n    pin %s\n" % (s.pin("ca"), s.pin("otherca"))
    bad_pins = "host localhost\n    pin %s\n    pin %s\n" % (s.pin("otherca"), s.pin("untrusted"))
    expired_pins = bad_pins + "    pin-expires 2001-01-01\n"
    cases = []
    for c in (cli, careless, wget):
        n = c.name
        cases += [
            Case(n + "/shim/good13/pin-leaf", c, "good13", True, "connects", policy=good_pins),
            Case(n + "/shim/good12/pin-ca", c, "good12", True, "connects", policy=ca_pin),
            Case(n + "/shim/good13/pin-mismatch", c, "good13", True, "blocked", r"pin mismatch",
                 policy=bad_pins),
            Case(n + "/shim/good13/pin-expired", c, "good13", True, "connects",
                 policy=expired_pins),
            Case(n + "/shim/selfsigned/audit-env", c, "selfsigned", True, "audit", r"self.signed",
                 env={"TLSGUARD_MODE": "audit"}),
            Case(n + "/shim/tls10/audit-policy", c, "tls10", True, "audit", r"protocol",
                 policy="mode audit\n"),
            Case(n + "/shim/wrongname/audit-host", c, "wrongname", True, "audit", r"mismatch",
                 policy="host localhost\n    mode audit\n"),
            Case(n + "/shim/good12/min13", c, "good12", True, "blocked",
                 r"peer cannot do TLS 1\.3 or later", policy="min-protocol TLSv1.3\n"),
            Case(n + "/shim/good13/min13", c, "good13", True, "connects",
                 policy="min-protocol TLSv1.3\n"),
            Case(n + "/shim/good12/min13-host", c, "good12", True, "blocked",
                 r"peer cannot do TLS 1\.3", policy="host localhost\n    min-protocol TLSv1.3\n"),
        ]
    refuse = Client("careless_refuse", lambda p, m: [cl["careless_direct"].argv(p, m)[0],
                                                     "localhost", str(p), m, "refuse"])
    own_ca = Client("gnutls_cli_own_ca", lambda p, m: ["gnutls-cli", "--x509cafile",
                                                       os.path.join(s.pki, "otherca.pem"),
                                                       "-p", str(p), "localhost"],
                    stdin=cli.stdin)
    cases += [
        # The program's verify function still runs after ours, and its refusal stands.
        Case("careless_refuse/noshim/good13", refuse, "good13", False, "refused"),
        Case("careless_refuse/shim/good13", refuse, "good13", True, "refused"),
        # gnutls-cli's own verification (its anchors: the other CA) after ours.
        Case("gnutls_cli_own_ca/noshim/untrusted", own_ca, "untrusted", False, "connects"),
        Case("gnutls_cli_own_ca/shim/untrusted", own_ca, "untrusted", True, "connects"),
        Case("gnutls_cli_own_ca/shim/good13", own_ca, "good13", True, "refused"),
        Case("careless_weak/noshim/weaknull", weak, "weaknull", False, "connects"),
        Case("careless_weak/shim/weaknull", weak, "weaknull", True, "blocked", r"weak cipher"),
    ]
    for pname in ("good12", "good13"):
        other, same = resume("other.example"), resume("localhost")
        cases += [
            Case("%s/noshim/%s" % (other.name, pname), other, pname, False, "connects"),
            Case("%s/shim/%s" % (other.name, pname), other, pname, True, "blocked",
                 r"never verified for this name", marker_absent="-again", host="other.example"),
            Case("%s/shim/%s" % (same.name, pname), same, pname, True, "connects"),
        ]
    return cases


def check_resumed(s: Suite) -> Optional[str]:
    """The same-name resumption really resumes under the shim (else the
    ticket marks are never used and the case above proves nothing)."""
    peer = s.peers["good12"]
    argv = [s.clients["careless_direct"].argv(0, "")[0], "localhost", str(peer.port),
            "tgmark-resumed", "resume", "localhost"]
    pol = os.path.join(s.tmp, "resume.policy")
    with open(pol, "w") as f:
        f.write("ca-file %s\n" % os.path.join(s.pki, "ca.pem"))
    env = dict(os.environ, LD_PRELOAD=os.path.join(s.build, "libtlsguard.so"),
               TLSGUARD_POLICY=pol, TLSGUARD_LOG="none")
    out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, timeout=CLIENT_TIMEOUT).stdout
    return None if b"resumed=1" in out else "second connection did not resume: %r" % out[-300:]


def check_server(s: Suite, shim: bool, client_version: str, want_ok: bool) -> Optional[str]:
    """A GnuTLS server (gnutls-serv, priority NORMAL:+VERS-TLS1.0) gets the
    protocol floor too: `openssl s_client -tls1` is refused under the shim,
    accepted without it; TLS 1.2 works either way."""
    env = dict(os.environ, TLSGUARD_LOG="none")
    if shim:
        env["LD_PRELOAD"] = os.path.join(s.build, "libtlsguard.so")
    srv = servers.Listener("gnutls-serv", lambda port: [
        "gnutls-serv", "--x509certfile", os.path.join(s.pki, "good.pem"), "--x509keyfile",
        os.path.join(s.pki, "good.key"), "-p", str(port), "--priority", "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1"],
        os.path.join(s.tmp, "gnutls-serv.out"), env=env, stdin=subprocess.DEVNULL)
    try:
        srv.start()
        res = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port,
                              client_version, "-cipher", LEGACY], input=b"",
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
    except RuntimeError as e:
        return str(e)
    finally:
        srv.stop()
    out = res.stdout.decode(errors="replace")
    ok = re.search(r"Protocol\s*: TLSv1", out) is not None and "alert" not in out
    if ok != want_ok:
        return "want %s, got: %s" % ("a handshake" if want_ok else "a refusal", out[-300:])
    return None


def check_report(s: Suite) -> Optional[str]:
    """`tlsguard report` reads the GnuTLS backend's lines like OpenSSL's."""
    peer = s.peers["selfsigned"]
    log = os.path.join(s.tmp, "report.log")
    env = dict(os.environ, LD_PRELOAD=os.path.join(s.build, "libtlsguard.so"), TLSGUARD_LOG=log)
    subprocess.run(["gnutls-cli", "--insecure", "-p", str(peer.port), "localhost"], env=env,
                   input=b"x\n", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=CLIENT_TIMEOUT)
    res = subprocess.run([os.path.join(s.build, "tlsguard"), "report", "--json", log],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = res.stdout.decode(errors="replace")
    if res.returncode != 0 or "localhost" not in text or str(peer.port) not in text \
            or "block" not in text or "self" not in text:
        return "report does not show the block: rc=%d %s" % (res.returncode, text[-400:])
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default=None, help="regex on case names")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tg-gnutls-")
    suite = Suite(args.build, tmp)
    passed = failed = skipped = 0
    try:
        cases = matrix(suite) + extras(suite)
        checks = [("careless_resume/shim/good12/resumes", lambda: check_resumed(suite)),
                  ("report/shim/selfsigned", lambda: check_report(suite)),
                  ("server/noshim/tls1", lambda: check_server(suite, False, "-tls1", True)),
                  ("server/shim/tls1", lambda: check_server(suite, True, "-tls1", False)),
                  ("server/shim/tls1_1", lambda: check_server(suite, True, "-tls1_1", False)),
                  ("server/shim/tls1_2", lambda: check_server(suite, True, "-tls1_2", True))]
        for case in cases:
            if args.only and not re.search(args.only, case.name):
                continue
            if args.list:
                print(case.name)
                continue
            if case.client.skip:
                print("skip %s: %s" % (case.name, case.client.skip))
                skipped += 1
                continue
            why = suite.run(case)
            print(("ok   %s" % case.name) if why is None else ("FAIL %s: %s" % (case.name, why)),
                  flush=True)
            passed, failed = passed + (why is None), failed + (why is not None)
        for name, check in checks:
            if (args.only and not re.search(args.only, name)) or args.list:
                continue
            why = check()
            print(("ok   %s" % name) if why is None else ("FAIL %s: %s" % (name, why)), flush=True)
            passed, failed = passed + (why is None), failed + (why is not None)
    finally:
        for p in suite.peers.values():
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if not args.list:
        print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
