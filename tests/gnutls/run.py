#!/usr/bin/env python3
"""GnuTLS programs under tlsguard: real clients against real bad peers.

    python3 tests/gnutls/run.py --build build [--only REGEX] [--list]

Peers are TLS servers of this driver (Python's ssl on the system OpenSSL, one
thread per connection) on 127.0.0.1 with the certificates of tests/lib/pki.sh:
each records every application byte it receives and answers one HTTP reply.
Clients are real GnuTLS programs: `wget --no-check-certificate`,
`wget --secure-protocol=TLSv1`, `gnutls-cli --insecure`, `git -c
http.sslVerify=false ls-remote` (git-remote-https, libcurl-gnutls) and
tests/gnutls/careless.c (verification ignored, TLS 1.0 allowed, handshake result
ignored, writes anyway; one case per way of setting a priority) and
tests/gnutls/roads.c (the other roads: init flags, libgnutls's verification
weakened, a handshake hook, %NO_EXTENSIONS, PSK, anon, 0-RTT, every record call
on a session resumed for another name). PSK, anon and 0-RTT peers are openssl
s_server through tests/lib/servers.py.

Cases are <client>/<shim|noshim>/<peer>[/<variant>]. Without the shim every bad
peer receives the case's marker (the test tests something); with it, a bad peer
receives no byte at all and the log has exactly one block line naming tlsguard,
host, port and the reason; a good peer receives the marker and nothing is
blocked. Then pins, audit mode, min-protocol TLSv1.3, weak suites, resumption
across names and `tlsguard report` on the log. Prints `ok NAME` / `FAIL NAME:
why`, then `N passed, N failed`; exits 1 on any failure.
"""

import argparse
import warnings
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from tgtest import free_port, is_listening, stop_group  # noqa: E402
import pki  # noqa: E402
import servers  # noqa: E402

CLIENT_TIMEOUT = 30
LEGACY = "DEFAULT:@SECLEVEL=0"
V = ssl.TLSVersion
warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.0/1.1 peers on purpose


@dataclass
class PeerSpec:
    cert: str
    min_v: ssl.TLSVersion
    max_v: ssl.TLSVersion
    ciphers: Optional[str] = None
    reason: Optional[str] = None      # regex the block's reason must match; None: good
    greet: bool = False               # speaks first: a greeting before any request


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
    # A client of %NO_EXTENSIONS sends no signature_algorithms: an RSA key, SHA-1 allowed.
    "rsa12": PeerSpec("rsa", V.TLSv1_2, V.TLSv1_2, LEGACY),
    # Application data the client never asked for: what a refused recv must not hand over.
    "greet12": PeerSpec("good", V.TLSv1_2, V.TLSv1_2, greet=True),
}
GREETING = b"tlsguard-greeting"
GOOD = [n for n, p in PEERS.items() if p.reason is None]
BAD = [n for n, p in PEERS.items() if p.reason is not None]


class Peer:
    """A TLS server on 127.0.0.1: records what it receives, answers one reply."""

    def __init__(self, name: str, spec: PeerSpec, pki: str):
        self.name = name
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(pki, spec.cert + ".pem"),
                            os.path.join(pki, spec.cert + ".key"))
        ctx.minimum_version, ctx.maximum_version = spec.min_v, spec.max_v
        if spec.ciphers:
            ctx.set_ciphers(spec.ciphers)
        self.ctx = ctx
        self.greet = spec.greet
        self.received = bytearray()
        self.lock = threading.Lock()
        self.serving = 0  # connections accepted and not yet done with
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(64)
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.serving += 1
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        conn.settimeout(10)
        try:
            with self.ctx.wrap_socket(conn, server_side=True) as tls:
                data = b""
                if self.greet:
                    tls.sendall(GREETING + b"-" + self.name.encode() + b"\n")
                while b"\r\n\r\n" not in data and b"\n\n" not in data:
                    chunk = tls.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                    with self.lock:
                        self.received += chunk
                body = b"tlsguard-reply-" + self.name.encode() + b"\n"
                tls.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                            b"Connection: close\r\n\r\n%s" % (len(body), body))
                try:
                    tls.unwrap()
                except (OSError, ssl.SSLError):
                    pass
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self.lock:
                self.serving -= 1

    def settle(self, limit: float = 5.0):
        """Wait until every accepted connection is served: the client may exit
        before this process's thread has read what it wrote."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            with self.lock:
                if self.serving == 0:
                    return
            time.sleep(0.01)

    def size(self) -> int:
        with self.lock:
            return len(self.received)

    def since(self, offset: int) -> bytes:
        with self.lock:
            return bytes(self.received[offset:])

    def stop(self):
        self.sock.close()


PSK_KEY = "1a2b3c4d5e6f7a8b"  # tests/gnutls/roads.c's


class ListenerPeer:
    """A tests/lib/servers.py server as a Peer: what it received is its stdout
    (openssl s_server -quiet); it never answers."""

    def __init__(self, listener: "servers.Listener"):
        self.listener, self.port = listener, listener.port

    def settle(self):
        pass

    def size(self) -> int:
        return self.listener.size()

    def since(self, offset: int) -> bytes:
        return self.listener.read_from(offset)

    def stop(self):
        self.listener.stop()


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
    greetings: Optional[int] = None   # how many of a greeting peer's greetings the client got
    says: Optional[str] = None        # regex the program's own output must match
    never_says: Optional[str] = None  # regex it must not match


class Suite:
    def __init__(self, build: str, tmp: str):
        self.build = os.path.abspath(build)
        self.tmp = tmp
        self.pki = os.path.join(tmp, "pki")
        pki.make(self.pki, rsa=True)
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home, exist_ok=True)
        self.peers = {n: Peer(n, s, self.pki) for n, s in dict(PEERS, **EXTRA_PEERS).items()}
        self.peers["psk"] = ListenerPeer(servers.s_server(
            "psk", self.pki, None, ["-nocert", "-psk", PSK_KEY, "-psk_identity", "tg", "-tls1_2",
                                    "-cipher", "PSK:@SECLEVEL=0"],
            os.path.join(tmp, "psk.out")).start())
        self.peers["anon"] = ListenerPeer(servers.s_server(
            "anon", self.pki, None, ["-nocert", "-tls1_2", "-cipher", "aNULL:@SECLEVEL=0"],
            os.path.join(tmp, "anon.out")).start())
        self.peers["early13"] = ListenerPeer(servers.s_server(
            "early13", self.pki, "good", ["-tls1_3", "-early_data"],
            os.path.join(tmp, "early13.out")).start())
        self.clients = make_clients(self.build, self.home)
        self.count = 0

    def pin(self, name: str) -> str:
        with open(os.path.join(self.pki, "pins", name + ".pin")) as f:
            return "sha256/" + f.read().strip().replace("sha256/", "")

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
        start = peer.size()
        try:
            res = subprocess.run(case.client.argv(peer.port, marker), env=env,
                                 input=case.client.stdin(marker), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
            out = res.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") + "\n[timed out]"
        peer.settle()
        got = peer.since(start)
        lines = open(log).read().splitlines() if os.path.exists(log) else []
        return judge(case, peer, marker, got, lines, out)


def judge(case: Case, peer: Peer, marker: str, got: bytes, lines: List[str],
          out: str) -> Optional[str]:
    decisions = [ln for ln in lines if re.search(r"action=(block|audit)", ln)]
    tail = " | client: " + out.strip().replace("\n", " / ")[-300:]
    reached = marker.encode() in got
    if case.greetings is not None and out.count(GREETING.decode()) != case.greetings:
        return "want %d greeting(s) handed to the client, got %d" % (
            case.greetings, out.count(GREETING.decode())) + tail
    if case.says and not re.search(case.says, out):
        return "the program's error does not say /%s/" % case.says + tail
    if case.never_says and re.search(case.never_says, out):
        return "the program's error says /%s/" % case.never_says + tail
    second = case.marker_absent and (marker + case.marker_absent).encode() in got
    if second and case.shim:
        return "the peer received the second connection's marker" + tail
    if case.marker_absent and not case.shim and not second:
        return "the control's second connection did not reach the peer" + tail
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
    return cases + error_texts(s)


def error_texts(s: Suite) -> List[Case]:
    """What the program prints after a block names tlsguard, the host, the
    port and the reason (gnutls_strerror / gnutls_alert_get_name); without
    the shim, and for the program's own refusal under it, GnuTLS's text."""
    cl = s.clients
    wget_nv = Client("wget_says", lambda p, m: ["wget", "-nv", "-O", "-", "--tries=1",
                                                "--timeout=10", "--no-hsts",
                                                "--no-check-certificate",
                                                "https://localhost:%d/%s" % (p, m)])
    own_ca = Client("gnutls_cli_own_ca", lambda p, m: ["gnutls-cli", "--x509cafile",
                                                       os.path.join(s.pki, "otherca.pem"),
                                                       "-p", str(p), "localhost"],
                    stdin=cl["gnutls_cli"].stdin)
    says = {
        "selfsigned": r"tlsguard: blocked host=localhost port=%d: certificate verification "
                      r"failed: self.signed",
        "tls10": r"tlsguard: blocked host=localhost port=%d: protocol below TLS 1\.2",
    }
    cases = []
    for c in (wget_nv, cl["gnutls_cli"], cl["git"], cl["careless_direct"]):
        for pname, text in says.items():
            port = s.peers[pname].port
            cases.append(Case("%s/noshim/%s/says" % (c.name, pname), c, pname, False, "connects",
                              never_says=r"tlsguard:"))
            cases.append(Case("%s/shim/%s/says" % (c.name, pname), c, pname, True, "blocked",
                              PEERS[pname].reason, says=text % port))
    # The program's own refusal after ours passed: GnuTLS's own text.
    cases.append(Case("gnutls_cli_own_ca/shim/good13/says", own_ca, "good13", True, "refused",
                      says=r"PKI verification of server certificate failed", never_says=r"tlsguard:"))
    return cases


def roads_cases(s: Suite) -> List[Case]:
    """tests/gnutls/roads.c: the roads careless.c does not take. Each bad peer
    reached without the shim, and refused with it."""
    roads = os.path.join(s.build, "tests", "gnutls_roads")
    skip = None if os.path.exists(roads) else "%s not built" % roads

    def client(road: str, sni: str = "localhost", send: str = "send") -> Client:
        return Client("roads_%s%s" % (road, "" if send == "send" else "_" + send),
                      lambda p, m: [roads, "localhost", str(p), m, road, sni, send], skip=skip)
    ca = {"CA_FILE": os.path.join(s.pki, "ca.pem")}
    cases = []

    def pair(c: Client, peer: str, reason: str, env=None, host="localhost", absent=None):
        cases.append(Case("%s/noshim/%s" % (c.name, peer), c, peer, False, "connects",
                          env=env or {}, marker_absent=absent))
        cases.append(Case("%s/shim/%s" % (c.name, peer), c, peer, True, "blocked", reason,
                          env=env or {}, host=host, marker_absent=absent))
    # gnutls_init without GNUTLS_CLIENT still makes a client.
    pair(client("init0"), "selfsigned", r"self.signed")
    pair(client("nonblock"), "selfsigned", r"self.signed")
    # libgnutls's own verification weakened (no name, time checks off): ours holds.
    pair(client("vcert"), "wrongname", r"mismatch", ca)
    pair(client("vflags"), "expired", r"expired", ca)
    # A handshake hook that swaps in an accept-all verify function mid-handshake.
    pair(client("hook"), "selfsigned", r"self.signed")
    # %NO_EXTENSIONS and %VERIFY_ALLOW_*: the name still checked (SNI set, not sent).
    pair(client("noext", "wrong.example"), "rsa12", r"mismatch", host="wrong.example")
    # No certificate at all: a PSK handshake completes in libgnutls, nothing moves.
    pair(client("psk"), "psk", r"without certificate verification")
    # Anonymous key exchange: the floor takes it out of the ClientHello.
    pair(client("anon"), "anon", r"weak cipher suites refused")
    # 0-RTT data goes out before any certificate is seen: never, even to a name
    # the ticket was verified for (the normal write after the handshake does).
    early = client("early")
    cases.append(Case("roads_early/noshim/early13", early, "early13", False, "connects",
                      marker_absent="-again-early"))
    cases.append(Case("roads_early/shim/early13", early, "early13", True, "connects",
                      marker_absent="-again-early"))
    # A session resumed for another name: no byte by any record call.
    for send in ("send2", "file", "cork"):
        pair(client("resume", "other.example", send), "good12", r"never verified for this name",
             host="other.example", absent="-again")
    # ... and no byte from the peer by any receiving call: a peer that speaks first.
    for recv in ("send", "recvseq", "packet"):
        c = client("resume", "other.example", recv)
        c.name = c.name.replace("resume", "resume_greet") + ("_recv" if recv == "send" else "")
        pair(c, "greet12", r"never verified for this name", host="other.example", absent="-again")
        cases[-2].greetings, cases[-1].greetings = 2, 1
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
    port = free_port()
    env = dict(os.environ, TLSGUARD_LOG="none")
    if shim:
        env["LD_PRELOAD"] = os.path.join(s.build, "libtlsguard.so")
    srv = subprocess.Popen(["gnutls-serv", "--x509certfile", os.path.join(s.pki, "good.pem"),
                            "--x509keyfile", os.path.join(s.pki, "good.key"), "-p", str(port),
                            "--priority", "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1"], env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(500):
            if is_listening(port) or srv.poll() is not None:
                break
            threading.Event().wait(0.01)
        res = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                              client_version, "-cipher", LEGACY], input=b"",
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
    finally:
        stop_group(srv)
    out = res.stdout.decode(errors="replace")
    ok = re.search(r"Protocol\s*: TLSv1", out) is not None and "alert" not in out
    if ok != want_ok:
        return "want %s, got: %s" % ("a handshake" if want_ok else "a refusal", out[-300:])
    return None


def check_run_report(s: Suite) -> Optional[str]:
    """`tlsguard run --report=json --fail-on block` around GnuTLS programs: the
    tree's connections in the report (a blocked one and an allowed one, by
    gnutls-cli and roads.c gnutls_init(0)), exit 3 for the block."""
    tg = os.path.join(s.build, "tlsguard")
    pol = os.path.join(s.tmp, "run-report.policy")
    with open(pol, "w") as f:
        f.write("ca-file %s\n" % os.path.join(s.pki, "ca.pem"))
    bad, good = s.peers["selfsigned"].port, s.peers["good13"].port
    roads = os.path.join(s.build, "tests", "gnutls_roads")
    script = "echo x | gnutls-cli --insecure -p %d localhost; %s localhost %d tgmark-rr init0" % (
        bad, roads, good)
    report = os.path.join(s.tmp, "run-report.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "TLSGUARD"))}
    res = subprocess.run([tg, "run", "--policy", pol, "--log", "none", "--report=json",
                          "--report-file", report, "--fail-on", "block", "--", "sh", "-c", script],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=2 * CLIENT_TIMEOUT)
    text = open(report).read() if os.path.exists(report) else ""
    if res.returncode != 3 or str(bad) not in text or str(good) not in text \
            or "block" not in text or "self" not in text:
        return "want exit 3 and both connections in the report: rc=%d %s %s" % (
            res.returncode, text[-400:], res.stderr[-200:])
    return None


def check_trust_cache(s: Suite) -> Optional[str]:
    """Each host block's ca-file is loaded once per process, however many
    blocks the policy has (the cache once stopped at 16 pairs: past them a
    trust list was built, and leaked, on every connection). roads.c `hosts`
    connects to h1..h20.example, then h20 three times more; strace counts
    the opens of h20's ca-file."""
    if not shutil.which("strace"):
        return None
    roads = os.path.join(s.build, "tests", "gnutls_roads")
    pol = os.path.join(s.tmp, "hosts.policy")
    with open(os.path.join(s.pki, "ca.pem")) as f:
        ca = f.read()
    with open(pol, "w") as f:
        for i in range(1, 21):
            path = os.path.join(s.tmp, "ca-h%d.pem" % i)
            with open(path, "w") as out:
                out.write(ca)
            f.write("host h%d.example\n    ca-file %s\n" % (i, path))
    trace = os.path.join(s.tmp, "hosts.strace")
    env = dict(os.environ, LD_PRELOAD=os.path.join(s.build, "libtlsguard.so"),
               TLSGUARD_POLICY=pol, TLSGUARD_LOG="none", ROADS_HOSTS="20")
    res = subprocess.run(["strace", "-f", "-e", "trace=open,openat", "-o", trace, roads,
                          "localhost", str(s.peers["good13"].port), "tgmark-hosts", "hosts"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=4 * CLIENT_TIMEOUT)
    if not os.path.exists(trace):
        return None if b"ptrace" in res.stderr else "strace failed: %r" % res.stderr[-200:]
    opens = [ln for ln in open(trace) if "ca-h20.pem" in ln and "= -1" not in ln]
    first = [ln for ln in open(trace) if "ca-h1.pem" in ln and "= -1" not in ln]
    if len(opens) != 1 or len(first) != 1:
        return "want each ca-file opened once, h1: %d, h20: %d" % (len(first), len(opens))
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
        cases = matrix(suite) + extras(suite) + roads_cases(suite)
        checks = [("careless_resume/shim/good12/resumes", lambda: check_resumed(suite)),
                  ("report/shim/selfsigned", lambda: check_report(suite)),
                  ("trust_cache/shim/h1-h20", lambda: check_trust_cache(suite)),
                  ("run_report/shim/selfsigned+good13", lambda: check_run_report(suite)),
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
