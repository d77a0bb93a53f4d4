#!/usr/bin/env python3
"""End-to-end tests for tlsguard: real servers, real legacy clients, LD_PRELOAD.

    python3 tests/e2e/run.py --build build [--only REGEX] [--openssl NAMES] [--keep] [-j N] [--list]

Sets up a throw-away PKI (tests/lib/pki.sh) and the OpenSSLs the clients run on:
ossl3 (the system's 3.0), ossl11 (Debian bullseye's 1.1.1, tests/lib/fetch-openssl11.sh),
ossl102, ossl101 and ossl102so10 (1.0.2u, 1.0.1e, and 1.0.2u under CentOS 7's
soname libssl.so.10, built once from ../shared/vendor by tests/lib/build-vendor.sh;
without the vendor folder one SKIP line says so and the rest runs). The cache
is $TLSGUARD_TEST_CACHE, else tests/.cache. It compiles the C clients of
tests/clients against each (its own headers, linked to its own libssl), starts
`openssl s_server -quiet` peers on 127.0.0.1 (the system OpenSSL 3; one set per
OpenSSL, so each runs in parallel; stdout records exactly the application bytes
received) and runs every client against every peer, without the shim (every
bad peer really is reachable: the suite tests something) and with
LD_PRELOAD=<build>/libtlsguard.so (bad peers are blocked, before a single
application byte is sent; good peers still work, silently).

Cases are named <openssl>/<client>/<shim|noshim>/<peer>, e.g.
ossl3/legacy_cb/shim/expired. Prints `ok   NAME`, `FAIL NAME: why` or
`skip NAME: why` (what that OpenSSL lacks), the counts per OpenSSL, then
`N passed, N failed, N skipped`; exits 1 if anything failed.

Adding cases: a client is a Client in make_clients(), a peer a Peer in PEERS,
and a case a Case(client, peer, shim, expect, env) from plan(); run_case()
knows how to judge an Expect (connects or blocked, and the log line wanted).
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from tgtest import (OLD_OPENSSLS, OpensslBuild, cache_dir, free_port, is_listening,  # noqa: E402
                    old_openssl_builds, stop_group)
import trust_opens  # noqa: E402  (tests/e2e/trust_opens.py: default-store opens)
REPO = os.path.dirname(TESTS)

CLIENT_TIMEOUT = 10.0      # seconds per client run
POSITIVE_WAIT = 2.0        # how long a connecting case may take to show its bytes
NEGATIVE_WAIT = 0.3        # how long after a blocked client exits we watch the server
LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"
C_CLIENTS = ["legacy_tls1", "legacy_cb", "legacy_nonblock", "legacy_bio", "legacy_membio"]


# --------------------------------------------------------------------------
# Peers: one s_server each.

@dataclass
class Peer:
    name: str
    cert: Optional[str]             # <pki>/<cert>.pem and .key; None: -nocert
    args: List[str]                 # extra s_server options
    reason: Optional[str] = None    # regex the shim's reason must match; None = good peer


# Every bad peer accepts even a TLSv1-method client without the shim:
# SECLEVEL=0 allows TLS 1.0/1.1 on OpenSSL 3, and -min_protocol TLSv1 lets it in.
_ANY_LEGACY = ["-cipher", LEGACY_CIPHERS, "-min_protocol", "TLSv1"]

PEERS: Dict[str, Peer] = {p.name: p for p in [
    Peer("good13", "good", []),
    Peer("good12", "good", ["-tls1_2"]),
    Peer("tls10", "good", ["-tls1", "-cipher", LEGACY_CIPHERS], r"protocol"),
    Peer("tls11", "good", ["-tls1_1", "-cipher", LEGACY_CIPHERS], r"protocol"),
    Peer("selfsigned", "selfsigned", _ANY_LEGACY, r"self.signed"),
    Peer("untrusted", "untrusted", _ANY_LEGACY, r"issuer"),
    Peer("wrongname", "wrongname", _ANY_LEGACY, r"mismatch"),
    Peer("expired", "expired", _ANY_LEGACY, r"expired"),
]}
GOOD_PEERS = [n for n, p in PEERS.items() if p.reason is None]
BAD_PEERS = [n for n, p in PEERS.items() if p.reason is not None]

# Peers outside the client x peer matrix, for the cases that need them.
EXTRA_PEERS: Dict[str, Peer] = {p.name: p for p in [
    # Anonymous suites: no certificate at all, so nothing to verify.
    Peer("anon", None, ["-nocert", "-cipher", "aNULL:@SECLEVEL=0", "-tls1_2"], r"cipher"),
    # A certificate for names under test.example, for host-pattern tests.
    Peer("multi", "multi", []),
    # TLS 1.3 only: a libssl without TLS 1.3 cannot reach it, shim or not.
    Peer("only13", "good", ["-tls1_3"]),
]}
ALL_PEERS: Dict[str, Peer] = dict(PEERS, **EXTRA_PEERS)


class Server:
    """A running `openssl s_server -quiet`; stdout (received bytes) goes to a file."""

    def __init__(self, peer: Peer, workdir: str, pki: str, lane: str = "main"):
        self.peer = peer
        self.out_path = os.path.join(workdir, "server-%s-%s.out" % (lane, peer.name))
        self.err_path = os.path.join(workdir, "server-%s-%s.err" % (lane, peer.name))
        self.proc: Optional[subprocess.Popen] = None
        self.port = 0
        self.pki = pki

    def start(self):
        last = ""
        for _ in range(5):  # a port found free may be taken before s_server binds it
            self.port = free_port()
            cert = [] if self.peer.cert is None else [
                "-cert", os.path.join(self.pki, self.peer.cert + ".pem"),
                "-key", os.path.join(self.pki, self.peer.cert + ".key")]
            cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
                   "-quiet"] + cert + self.peer.args
            with open(self.out_path, "ab") as out, open(self.err_path, "ab") as err:
                # stdin: an open pipe never written to (EOF would not stop it anyway).
                self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out,
                                             stderr=err, start_new_session=True)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if is_listening(self.port):
                    return
                time.sleep(0.02)
            self.stop()
            last = tail(self.err_path)
        raise RuntimeError("s_server for %s did not start: %s" % (self.peer.name, last))

    def stop(self):
        stop_group(self.proc)

    def size(self) -> int:
        return os.path.getsize(self.out_path)

    def read_from(self, offset: int) -> bytes:
        with open(self.out_path, "rb") as f:
            f.seek(offset)
            return f.read()


def tail(path: str, n: int = 600) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")[-n:]
    except OSError:
        return ""


# --------------------------------------------------------------------------
# Clients.

@dataclass
class Client:
    ossl: str                               # "ossl3" | "ossl11": the libssl it runs on
    name: str                               # as in case names
    argv: Callable[[str, int, Peer], List[str]]
    marker: bytes                           # what the server records when it got through
    ok_codes: tuple = (0,)                  # exit codes meaning "sent the payload"
    env: Dict[str, str] = field(default_factory=dict)
    stdin: bytes = b""
    errqueue_names_tlsguard: bool = False   # its output shows the error text when blocked
    prints_ssl_get_error: bool = False      # prints SSL_get_error=<n> for the failing call
    port_known: bool = True                 # False: no fd on the SSL (memory BIOs), so
                                            # port= may be absent, but never wrong
    host: str = "localhost"
    log_host: Optional[str] = None          # the host= its log line names, if not `host`
    # Peers it cannot reach without the shim by its own design (not a bug): with why.
    noshim_unreachable: Dict[str, str] = field(default_factory=dict)
    tls13: bool = True                      # its libssl can do TLS 1.3 (1.1.1+)
    skip: Optional[str] = None              # why its cases cannot run on this libssl
    # Option bits its libssl gives a meaning the shim must never set for it (it
    # prints "options 0x..." after the handshake and never sets these itself).
    foreign_options: int = 0


def client_bins(tmp: str, build: OpensslBuild) -> str:
    return os.path.join(tmp, "clients-" + build.name)


def s_client_argv(build: OpensslBuild, name: Optional[str] = None):
    """`openssl s_client` of `build`, accepting TLS 1.0 and legacy suites. It
    carries on after verify errors. -quiet implies -ign_eof, which would wait
    for the server forever: -no_ign_eof closes after stdin's EOF. 1.0.x knows
    neither @SECLEVEL nor -min_protocol: options turn SSLv2/SSLv3 off there
    (no SSLv2-compatible ClientHello, which an OpenSSL 3 server rejects).
    With `name`: SNI `name`, connecting to 127.0.0.1."""
    floor = (["-cipher", LEGACY_CIPHERS, "-min_protocol", "TLSv1"] if build.has_proto_ctrl
             else ["-cipher", "DEFAULT", "-no_ssl2", "-no_ssl3"])
    return lambda h, p, peer: [build.openssl, "s_client", "-connect", "%s:%d" % ("127.0.0.1" if name else h, p),
                               "-servername", name or h, "-quiet", "-no_ign_eof"] + floor


# Roads a libssl does not have, and why (their cases are skipped there).
def missing_road(build: OpensslBuild, road: str) -> Optional[str]:
    if road in ("ctx_max_proto", "ssl_max_proto") and not build.has_proto_ctrl:
        return "SSL_CTX_set_max_proto_version/SSL_set_max_proto_version are OpenSSL 1.1.0+"
    return None


# 0x20000000 is SSL_OP_NO_TLSv1_3 from 1.1.1, SSL_OP_NETSCAPE_CA_DN_BUG in 1.0.x.
def foreign_options(build: OpensslBuild) -> int:
    return 0 if build.has_tls13 else 0x20000000


def make_clients(tmp: str, builds: List[OpensslBuild]) -> List[Client]:
    """Every client: curl and python on the system OpenSSL 3; s_client, the C
    clients and the roads on each OpenSSL of `builds`."""
    clients: List[Client] = []
    bins = {b.name: client_bins(tmp, b) for b in builds}
    envs: Dict[str, Dict[str, str]] = {b.name: dict(b.env) for b in builds}
    tls13 = {b.name: b.has_tls13 for b in builds}
    foreign = {b.name: foreign_options(b) for b in builds}

    clients.append(Client(
        "ossl3", "curl",
        lambda h, p, peer: ["curl", "-sS", "-k", "--tlsv1.0", "--ciphers", LEGACY_CIPHERS,
                            "-m", "2", "https://%s:%d/" % (h, p)],
        marker=b"GET / ", ok_codes=(28,)))  # s_server -quiet never answers HTTP: curl times out
    clients.append(Client(
        "ossl3", "python",
        lambda h, p, peer: [sys.executable, os.path.join(TESTS, "clients", "py_client.py"),
                            h, str(p)],
        marker=b"TLSGUARD-PAYLOAD py_client\n", errqueue_names_tlsguard=True))

    for b in builds:
        if b.openssl:
            clients.append(Client(b.name, "s_client", s_client_argv(b),
                                  marker=b"TLSGUARD-PAYLOAD s_client\n",
                                  stdin=b"TLSGUARD-PAYLOAD s_client\n", env=envs[b.name],
                                  tls13=b.has_tls13))

    def c_client(path, prog, ssl2=False):
        def argv(h, p, peer):
            method = "any"
            if ssl2:
                method = "ssl2"
            elif prog == "legacy_tls1":
                method = "tls1_1" if peer.name == "tls11" else "tls1"
            return [path, h, str(p), "--method", method]
        return argv

    for ossl in bins:
        for prog in C_CLIENTS:
            unreachable = {}
            if prog == "legacy_tls1":
                # A TLSv1_client_method() client cannot reach a TLS 1.2+ peer by
                # itself (s_server's default security level refuses TLS 1.0):
                # only the shim's protocol upgrade makes that work.
                why = "TLSv1 method vs a TLS 1.2+ peer"
                unreachable = {"good13": why, "good12": why}
            clients.append(Client(
                ossl, prog, c_client(os.path.join(bins[ossl], prog), prog),
                marker=("TLSGUARD-PAYLOAD %s\n" % prog).encode(), env=envs[ossl],
                errqueue_names_tlsguard=True, prints_ssl_get_error=True,
                port_known=(prog != "legacy_membio"),
                noshim_unreachable=unreachable, tls13=tls13[ossl], foreign_options=foreign[ossl]))
    # SSLv2_client_method(): no peer here speaks SSLv2, so it reaches none by
    # itself; the shim must upgrade it like the other fixed methods.
    for b in builds:
        if b.version_number < 0x10100000:
            clients.append(Client(
                b.name, "legacy_ssl2", c_client(os.path.join(bins[b.name], "legacy_tls1"), "legacy_tls1", True),
                marker=b"TLSGUARD-PAYLOAD legacy_tls1\n", env=envs[b.name],
                errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=False,
                noshim_unreachable={p: "SSLv2 method vs a TLS server" for p in PEERS},
                foreign_options=foreign[b.name], skip=None if b.version_number < 0x10002000 else
                "SSLv2_client_method() returns NULL in 1.0.2u (no SSLv2 by default since 1.0.2g)"))

    # legacy_roads: one client per API road around the floor (see its source).
    pki = os.path.join(tmp, "pki")
    for b in builds:
        ossl = b.name
        for road in ROADS:
            extra = ["--ca", os.path.join(pki, "otherca.pem")] if road == "private_ca" else []
            clients.append(Client(
                ossl, "roads:" + road, roads_argv(os.path.join(bins[ossl], "legacy_roads"), road, extra),
                marker=b"TLSGUARD-PAYLOAD legacy_roads\n", env=envs[ossl],
                errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=b.has_tls13,
                skip=missing_road(b, road), foreign_options=foreign[ossl]))
        # Three connections on one context, each resuming the previous session.
        clients.append(Client(
            ossl, "roads:resume",
            roads_argv(os.path.join(bins[ossl], "legacy_roads"), "plain",
                       ["--connections", "3", "--resume"]),
            marker=b"TLSGUARD-PAYLOAD legacy_roads\n", env=envs[ossl],
            errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=b.has_tls13))
        # A session from localhost offered to another name: resumption skips
        # the certificate, so the name is checked again by the shim.
        clients.append(Client(
            ossl, "roads:resume-as-other",
            roads_argv(os.path.join(bins[ossl], "legacy_roads"), "plain",
                       ["--connections", "2", "--resume-as", "wrong.example"]),
            marker=b"TLSGUARD-PAYLOAD legacy_roads\n", env=envs[ossl], log_host="wrong.example",
            errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=b.has_tls13))

    # curl with its own CA file: it loads it lazily, while it waits for the
    # ServerHello. Its anchors are kept, and nothing is added to them.
    for ca, other in (("ca", "otherca"), ("otherca", "ca")):
        clients.append(Client(
            "ossl3", "curl+cacert=" + ca,
            (lambda f: lambda h, p, peer: ["curl", "-sS", "--cacert", f, "-m", "2",
                                           "https://%s:%d/" % (h, p)])(os.path.join(pki, ca + ".pem")),
            marker=b"GET / ", ok_codes=(28,),
            env={"SSL_CERT_FILE": os.path.join(pki, other + ".pem")}))

    # curl to names under test.example, all resolved to 127.0.0.1 by curl itself.
    for name in ("api.test.example", "a.b.test.example", "test.example"):
        clients.append(Client(
            "ossl3", "curl@" + name,
            (lambda n: lambda h, p, peer: [
                "curl", "-sS", "-k", "-m", "2", "--resolve", "%s:%d:127.0.0.1" % (n, p),
                "https://%s:%d/" % (n, p)])(name),
            marker=b"GET / ", ok_codes=(28,), host=name))
    # The same names through each other OpenSSL's s_client (SNI, connecting to 127.0.0.1).
    for b in builds:
        if b.openssl and b.name != "ossl3":
            for name in ("api.test.example", "a.b.test.example", "test.example"):
                clients.append(Client(
                    b.name, "s_client@" + name, s_client_argv(b, name),
                    marker=b"TLSGUARD-PAYLOAD s_client\n", stdin=b"TLSGUARD-PAYLOAD s_client\n",
                    env=envs[b.name], tls13=b.has_tls13, host=name))
    return clients


ROADS = ["ctx_max_proto", "ssl_max_proto", "clear_options", "no_high_versions",
         "set_ssl_method", "ctx_set_ssl_version", "cert_verify_cb", "weak_ciphers",
         "private_ca"]
PROTOCOL_ROADS = ROADS[:6]


def roads_argv(path: str, road: str, extra: List[str]):
    return lambda h, p, peer: [path, h, str(p), "--road", road] + extra


def with_host(c: Client, host: str) -> Client:
    d = dict(c.__dict__)
    d.update(host=host, name="%s@%s" % (c.name, host))
    return Client(**d)


# --------------------------------------------------------------------------
# Cases.

@dataclass
class Expect:
    connects: bool
    log_action: Optional[str] = None   # exactly one "tlsguard: ... action=<this>" line wanted
    reason: Optional[str] = None       # regex for its reason="..."
    out_contains: Optional[str] = None  # the client's stdout must contain this
    out_count: int = 1                  # ... at least this many times
    not_reason: Optional[str] = None   # no log line may say this (log_action None only)


@dataclass
class Case:
    client: Client
    peer: Peer
    shim: bool
    expect: Expect
    env: Dict[str, str] = field(default_factory=dict)   # e.g. TLSGUARD_POLICY=...
    label: str = ""                                     # distinguishes env variants

    @property
    def name(self) -> str:
        mode = ("shim" if self.shim else "noshim") + (("+" + self.label) if self.label else "")
        return "%s/%s/%s/%s" % (self.client.ossl, self.client.name, mode, self.peer.name)


def plan(clients: List[Client], tmp: str) -> List[Case]:
    return plan_matrix(clients) + plan_roads(clients) + plan_policy(clients, tmp) + plan_versions(clients)


def plan_matrix(clients: List[Client]) -> List[Case]:
    cases: List[Case] = []
    clients = [c for c in clients if not c.name.startswith(("roads:", "curl@", "curl+", "s_client@"))]
    for c in clients:
        for pname, peer in PEERS.items():
            # Without the shim everything reachable connects: bad peers prove
            # the suite tests something, good peers prove the setup works.
            if pname not in c.noshim_unreachable:
                cases.append(Case(c, peer, False, Expect(connects=True)))
        for pname, peer in PEERS.items():
            if peer.reason is None:
                cases.append(Case(c, peer, True, Expect(connects=True)))
            else:
                cases.append(Case(c, peer, True,
                                  Expect(connects=False, log_action="block", reason=peer.reason)))
    # An IP literal, no SNI: the shim checks the peer IP against IP SANs.
    for c in clients:
        if c.name == "legacy_tls1":
            ip = with_host(c, "127.0.0.1")
            cases.append(Case(ip, PEERS["wrongname"], False, Expect(connects=True)))
            cases.append(Case(ip, PEERS["good13"], True, Expect(connects=True)))
            cases.append(Case(ip, PEERS["wrongname"], True,
                              Expect(connects=False, log_action="block",
                                     reason=PEERS["wrongname"].reason)))
    return cases


def block(reason: str) -> Expect:
    return Expect(connects=False, log_action="block", reason=reason)


def plan_roads(clients: List[Client]) -> List[Case]:
    """Each road around the floor: really works without the shim, closed with it,
    and harmless to a good peer."""
    cases: List[Case] = []
    ok = Expect(connects=True)
    for c in clients:
        if c.name == "roads:resume-as-other":
            cases += [Case(c, PEERS["good13"], False, Expect(connects=True, out_contains="session reused: yes")),
                      Case(c, PEERS["good13"], True, block(r"host name mismatch.*wrong\.example"))]
        if not c.name.startswith("roads:") or c.name.startswith("roads:resume"):
            continue
        road = c.name.split(":", 1)[1]
        if road in PROTOCOL_ROADS:
            cases += [Case(c, PEERS["tls10"], False, ok),
                      Case(c, PEERS["tls10"], True, block(PEERS["tls10"].reason)),
                      Case(c, PEERS["good13"], True, ok)]
        elif road == "cert_verify_cb":  # a callback that says yes to everything
            cases += [Case(c, PEERS["selfsigned"], False, ok),
                      Case(c, PEERS["selfsigned"], True, block(PEERS["selfsigned"].reason)),
                      Case(c, PEERS["good13"], True, ok)]
        elif road == "weak_ciphers":  # anonymous suites skip certificates entirely
            cases += [Case(c, EXTRA_PEERS["anon"], False, ok),
                      Case(c, EXTRA_PEERS["anon"], True, block(EXTRA_PEERS["anon"].reason)),
                      Case(c, PEERS["good13"], True, ok)]
        elif road == "private_ca":
            # It trusts only the other CA: that is kept (the untrusted peer is
            # its peer), and the defaults from SSL_CERT_FILE are never added.
            cases += [Case(c, PEERS["untrusted"], True, ok),
                      Case(c, PEERS["good13"], False, ok),
                      Case(c, PEERS["good13"], True, block(r"issuer"))]
    for c in clients:
        if c.name == "curl+cacert=ca":
            cases += [Case(c, PEERS["good13"], True, ok),
                      Case(c, PEERS["wrongname"], True, block(PEERS["wrongname"].reason))]
        elif c.name == "curl+cacert=otherca":
            cases += [Case(c, PEERS["good13"], True, block(r"issuer")),
                      Case(c, PEERS["untrusted"], True, ok)]
    return cases


def plan_versions(clients: List[Client]) -> List[Case]:
    """What a libssl cannot do is not the shim's doing: a client without TLS 1.3
    fails against a TLS 1.3-only peer by itself, and under the shim no log line
    may blame the peer's protocol (it can do TLS 1.2 and later: 1.3)."""
    cases: List[Case] = []
    for c in clients:
        if c.name == "legacy_cb" and not c.tls13:
            only13 = EXTRA_PEERS["only13"]
            cases += [Case(c, only13, False, Expect(connects=False)),
                      Case(c, only13, True, Expect(connects=False, not_reason=r"cannot do TLS 1\.2"))]
    return cases


def read_pin(pki: str, name: str) -> str:
    with open(os.path.join(pki, "pins", name + ".pin")) as f:
        return "sha256/" + f.read().strip()


def write_policies(d: str, pki: str):
    """The policy files the policy cases name, from the PKI's pins."""
    os.makedirs(d, exist_ok=True)
    pin = lambda n: read_pin(pki, n)
    wrong = "    pin %s\n    pin %s\n" % (pin("otherca"), pin("selfsigned"))
    files = {
        "pin-leaf": "host localhost\n    pin %s\n    pin %s\n" % (pin("good"), pin("otherca")),
        "pin-ca": "# a pin on the CA: any leaf it signs\nhost localhost 127.0.0.1\n"
                  "    pin %s\n    pin %s\n" % (pin("ca"), pin("otherca")),
        "pin-wrong": "host localhost\n" + wrong,
        "pin-expired": "host localhost\n" + wrong + "    pin-expires 2020-01-01\n",
        "tls13": "min-protocol TLSv1.3\n",
        "audit": "mode audit\n",
        "audit-host": "host localhost\n    mode audit\n",
        "log-allowed": "log-allowed yes\n",
        "invalid": "min-protocol TLSv1.2\nhost localhost\n    pinn %s\n" % pin("good"),
        "writable": "mode enforce\n",
        "wild-one": "host *.test.example\n" + wrong,
        "wild-any": "host **.test.example\n" + wrong,
        "ca-extra": "ca-file %s\n" % os.path.join(pki, "otherca.pem"),
        # Per-host anchors: the other CA is trusted for localhost, and only there.
        "ca-host": "host localhost\n    ca-file %s\n" % os.path.join(pki, "otherca.pem"),
        "ca-host-other": "host localhost\n    ca-file %s\nhost 127.0.0.1 **.test.example\n"
                         "    mode enforce\n" % os.path.join(pki, "otherca.pem"),
        "first-match": "host api.test.example\n    pin %s\n    pin %s\n"
                       "host **.test.example\n%s" % (pin("multi"), pin("otherca"), wrong),
    }
    for name, text in files.items():
        path = os.path.join(d, name + ".policy")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o666 if name == "writable" else 0o644)


def plan_policy(clients: List[Client], tmp: str) -> List[Case]:
    """TLSGUARD_POLICY: pins, per-host and global settings, audit mode, a bad file."""
    cases: List[Case] = []
    pol = lambda n: {"TLSGUARD_POLICY": os.path.join(tmp, "policies", n + ".policy")}
    ok = Expect(connects=True)
    pinned = [c for c in clients if (c.ossl, c.name) in (("ossl3", "python"), ("ossl3", "curl"))
              or c.name in ("legacy_cb", "s_client")]
    for c in pinned:
        good = PEERS["good13"]
        # A libssl without TLS 1.3 cannot meet min-protocol TLSv1.3 with any peer.
        tls13_good = ok if c.tls13 else block(r"TLS 1\.3")
        cases += [
            Case(c, good, True, ok, pol("pin-leaf"), "pin-leaf"),
            Case(c, good, True, ok, pol("pin-ca"), "pin-ca"),
            Case(c, good, True, block(r"pin mismatch"), pol("pin-wrong"), "pin-wrong"),
            Case(c, good, True, Expect(connects=True, log_action="notice", reason=r"expired"),
                 pol("pin-expired"), "pin-expired"),
            Case(c, PEERS["good12"], True, block(r"protocol below TLS 1\.3"), pol("tls13"), "tls13"),
            Case(c, good, True, tls13_good, pol("tls13"), "tls13"),
            Case(c, good, True, block(r"invalid policy: .*invalid\.policy:3: .*pinn"),
                 pol("invalid"), "invalid"),
            Case(c, good, True, block(r"writable"), pol("writable"), "writable"),
            Case(c, good, True, Expect(connects=True, log_action="allow"), pol("log-allowed"),
                 "log-allowed"),
            Case(c, PEERS["selfsigned"], True,
                 Expect(connects=True, log_action="audit", reason=PEERS["selfsigned"].reason),
                 pol("audit-host"), "audit-host"),
        ]
    # The policy's ca-file adds anchors: to the defaults, and to a program's own.
    for c in clients:
        if (c.ossl, c.name) in (("ossl3", "python"), ("ossl3", "curl+cacert=ca")) or (
                c.ossl != "ossl3" and c.name == "legacy_cb"):
            cases += [Case(c, PEERS["untrusted"], True, ok, pol("ca-extra"), "ca-extra"),
                      Case(c, PEERS["good13"], True, ok, pol("ca-extra"), "ca-extra")]
    # Per-host anchors (ca-file inside `host localhost`): the other CA's
    # certificate is good for localhost, and refused for the same peer reached
    # as 127.0.0.1 (its IP SAN matches: only the issuer is wrong) or by a name
    # under test.example, with no block or another block for them. The
    # no-shim controls are the matrix's <client>/noshim/untrusted cases.
    for c in clients:
        if (c.ossl, c.name) in (("ossl3", "python"), ("ossl3", "legacy_cb"), ("ossl11", "legacy_cb")):
            ip = with_host(c, "127.0.0.1")
            cases += [Case(c, PEERS["untrusted"], True, ok, pol("ca-host"), "ca-host"),
                      Case(ip, PEERS["untrusted"], True, block(r"issuer"), pol("ca-host"), "ca-host"),
                      Case(ip, PEERS["untrusted"], True, block(r"issuer"), pol("ca-host-other"),
                           "ca-host-other")]
        if c.name == "curl@api.test.example":
            cases += [Case(c, PEERS["untrusted"], False, ok),
                      Case(c, PEERS["untrusted"], True, block(r"issuer|mismatch"), pol("ca-host"),
                           "ca-host"),
                      Case(c, PEERS["untrusted"], True, block(r"issuer|mismatch"),
                           pol("ca-host-other"), "ca-host-other")]
    # Audit mode: every client, every bad peer gets through, each logged once
    # with the reason enforcing would have given.
    for c in clients:
        if c.name.startswith(("roads:", "curl@", "curl+", "s_client@")) or c.name.endswith("@127.0.0.1"):
            continue
        for pname in BAD_PEERS:
            peer = PEERS[pname]
            if pname in c.noshim_unreachable:
                continue
            cases.append(Case(c, peer, True,
                              Expect(connects=True, log_action="audit", reason=peer.reason),
                              pol("audit"), "audit"))
    # Pins survive session resumption (the CA's pin is not in the chain the
    # server sends: only the session's mark can vouch for it).
    for c in clients:
        if c.name != "roads:resume":
            continue
        # Three connections: the 2nd and 3rd each resume the one before
        # (the 3rd a ticket the resumed 2nd got), with the shim too.
        resumed_twice = Expect(connects=True, out_contains="session reused: yes", out_count=2)
        cases += [Case(c, PEERS["good13"], True, resumed_twice, pol("pin-ca"), "pin-ca"),
                  Case(c, PEERS["good13"], True, resumed_twice),
                  Case(c, PEERS["good12"], True, resumed_twice)]
    # Host patterns: *. is one label, **. any number (even none); first match wins.
    return cases + plan_host_patterns(clients, pol)


def plan_host_patterns(clients: List[Client], pol) -> List[Case]:
    """Host patterns: *. is one label, **. any number (even none); first match
    wins. curl on OpenSSL 3, each other OpenSSL's s_client."""
    cases: List[Case] = []
    ok = Expect(connects=True)
    multi = EXTRA_PEERS["multi"]
    for prog, ossl in [("curl", "ossl3")] + [("s_client", c.ossl) for c in clients
                                              if c.name == "s_client@test.example"]:
        by = {c.name: c for c in clients if c.ossl == ossl and c.name.startswith(prog + "@")}
        cases += host_pattern_cases(by[prog + "@api.test.example"], by[prog + "@a.b.test.example"],
                                    by[prog + "@test.example"], multi, pol, ok)
    return cases


def host_pattern_cases(api, ab, bare, multi, pol, ok) -> List[Case]:
    return [
        Case(api, multi, True, ok),
        Case(api, multi, True, block(r"pin mismatch"), pol("wild-one"), "wild-one"),
        Case(ab, multi, True, ok, pol("wild-one"), "wild-one"),
        Case(bare, multi, True, ok, pol("wild-one"), "wild-one"),
        Case(api, multi, True, block(r"pin mismatch"), pol("wild-any"), "wild-any"),
        Case(ab, multi, True, block(r"pin mismatch"), pol("wild-any"), "wild-any"),
        Case(bare, multi, True, block(r"pin mismatch"), pol("wild-any"), "wild-any"),
        Case(api, multi, True, ok, pol("first-match"), "first-match"),
        Case(ab, multi, True, block(r"pin mismatch"), pol("first-match"), "first-match"),
    ]


# --------------------------------------------------------------------------
# Checks beyond the matrix: trust-store loading, log destinations, `tlsguard run`.

CHECK_PEERS = ["good13", "selfsigned", "untrusted"]


@dataclass
class CheckContext:
    runner: "Runner"
    servers: Dict[str, "Server"]
    tmp: str
    pki: str
    build: str
    clients: List[Client]
    builds: List[OpensslBuild]   # those whose clients were compiled

    def port(self, peer: str) -> int:
        return self.servers[peer].port

    def env(self, client: Optional[Client] = None, shim: bool = True, **extra) -> Dict[str, str]:
        env = dict(self.runner.base_env)
        if client:
            env.update(client.env)
        if shim:
            env["LD_PRELOAD"] = self.runner.shim
        env.update(extra)
        return env

    def run(self, argv: List[str], env: Dict[str, str]):
        return self.runner.run_client(argv, env, b"")


def count_opens(trace: str, path: str) -> int:
    """openat() calls of `path` that succeeded, in an strace -f log."""
    n = 0
    with open(trace) as f:
        for line in f:
            if '"%s"' % path in line and "open" in line and "= -1" not in line:
                n += 1
    return n


def build_check_names(ossl: str) -> List[str]:
    """The checks extra_checks() makes for one OpenSSL's clients."""
    return ["%s/check/%s" % (ossl, n) for n in (
        "trust-store-loaded-once", "own-anchors-load-no-defaults", "clients-load-its-libssl")]


def links_own_libssl_checks(ctx: CheckContext):
    """Each compiled OpenSSL's C clients need its libssl by its own soname
    (libssl.so.10 for the CentOS 7 copy) and load it from its own lib dir:
    the cases run on it are about that library, not another found first."""
    checks = []
    for b in ctx.builds:
        if not b.tree:
            continue

        def check(b=b):
            prog = os.path.join(client_bins(ctx.tmp, b), "legacy_cb")
            soname = os.path.basename(b.libssl())
            dyn = subprocess.run(["readelf", "-d", prog], stdout=subprocess.PIPE).stdout.decode()
            if "[%s]" % soname not in dyn:
                return "%s does not need %s:\n%s" % (prog, soname, indent("readelf -d", dyn))
            env = ctx.env(ctx.clients and next(c for c in ctx.clients if c.ossl == b.name), shim=True,
                          LD_TRACE_LOADED_OBJECTS="1")
            rc, out, err = ctx.run([prog], env)
            want = "%s => %s" % (soname, os.path.join(b.libdir, soname))
            if want not in out or "libssl.so.3" in out:
                return "wanted '%s' among the loaded objects:\n%s" % (want, indent("ld.so", out + err))
            return None
        checks.append(("%s/check/clients-load-its-libssl" % b.name, check))
    return checks


def extra_checks(ctx: CheckContext):
    checks = []
    cafile = os.path.join(ctx.pki, "ca.pem")
    pyclient = os.path.join(TESTS, "clients", "py_client.py")

    def strace(argv, env, tag):
        trace = os.path.join(ctx.tmp, "strace-%s.txt" % tag)
        rc, out, err = ctx.run(["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace]
                               + argv, env)
        return rc, out, err, count_opens(trace, cafile)

    # The default store (here SSL_CERT_FILE) is read once per process, on the
    # first handshake that needs it — not per context, not at start-up, and
    # never for a program that brought its own anchors.
    compiled = {b.name for b in ctx.builds}
    for c in ctx.clients:
        if c.name != "roads:resume" or c.ossl not in compiled:
            continue
        roads = c.argv("localhost", 0, PEERS["good13"])[0]

        def once(c=c, roads=roads):
            rc, out, err, n = strace([roads, "localhost", str(ctx.port("good13")), "--road", "plain",
                                      "--connections", "5"], ctx.env(c), c.ossl + "-once")
            if rc != 0:
                return "client failed (exit %s):\n%s%s" % (rc, indent("stdout", out), indent("stderr", err))
            return None if n == 1 else "SSL_CERT_FILE opened %d times for 5 contexts, wanted 1" % n
        checks.append(("%s/check/trust-store-loaded-once" % c.ossl, once))

        def own(c=c, roads=roads):
            own_ca = os.path.join(ctx.tmp, "own-ca.pem")
            shutil.copyfile(cafile, own_ca)
            rc, out, err, n = strace([roads, "localhost", str(ctx.port("good13")), "--road",
                                      "private_ca", "--ca", own_ca, "--connections", "3"],
                                     ctx.env(c), c.ossl + "-own")
            if rc != 0:
                return "client failed (exit %s):\n%s%s" % (rc, indent("stdout", out), indent("stderr", err))
            return None if n == 0 else "the defaults were loaded (%d opens) for a program with its own CA" % n
        checks.append(("%s/check/own-anchors-load-no-defaults" % c.ossl, own))
    checks += links_own_libssl_checks(ctx)

    def startup():
        rc, out, err, n = strace([sys.executable, "-c",
                                  "import ssl; ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)"],
                                 ctx.env(), "startup")
        if rc != 0:
            return "python failed:\n" + said(rc, out, err)
        return None if n == 0 else "the default store was loaded without a handshake (%d opens)" % n
    checks.append(("ossl3/check/no-trust-store-at-startup", startup))
    checks += trust_opens.checks(ctx, indent)

    def policy_file(name, text):
        path = os.path.join(ctx.tmp, "policies", name + ".policy")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def log_to_file():
        log = os.path.join(ctx.tmp, "tlsguard.log")
        pol = policy_file("log-file", "log %s\n" % log)
        rc, out, err = ctx.run([sys.executable, pyclient, "localhost", str(ctx.port("selfsigned"))],
                               ctx.env(TLSGUARD_POLICY=pol))
        lines = open(log).read().splitlines() if os.path.exists(log) else []
        blocks = [l for l in lines if l.startswith(LOG_PREFIX) and "action=block" in l]
        if rc == 0:
            return "client was not blocked:\n" + said(rc, out, err)
        if LOG_PREFIX in err:
            return "a line went to stderr although the policy says 'log %s':\n%s" % (log, said(rc, out, err))
        return None if len(blocks) == 1 else "wanted one block line in %s, found %r\n%s" % (
            log, lines, said(rc, out, err))
    checks.append(("ossl3/check/log-to-file", log_to_file))

    def log_none():
        pol = policy_file("log-none", "log none\n")
        rc, out, err = ctx.run([sys.executable, pyclient, "localhost", str(ctx.port("selfsigned"))],
                               ctx.env(TLSGUARD_POLICY=pol))
        if rc == 0:
            return "client was not blocked:\n" + said(rc, out, err)
        return None if LOG_PREFIX not in err else "logged although the policy says 'log none':\n" + said(rc, out, err)
    checks.append(("ossl3/check/log-none", log_none))

    tool = os.path.join(ctx.build, "tlsguard")

    def run_blocks():
        rc, out, err = ctx.run([tool, "run", "--", sys.executable, pyclient, "localhost",
                                str(ctx.port("selfsigned"))], ctx.env(shim=False))
        lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
        if rc != 1:
            return "tlsguard run exited %s, wanted the client's 1:\n%s" % (rc, indent("stderr", err))
        return None if len(lines) == 1 else "wanted one block line, got:\n" + indent("stderr", err)
    checks.append(("ossl3/check/run-preloads-the-shim", run_blocks))

    def run_audit():
        rc, out, err = ctx.run([tool, "run", "--audit", "--", sys.executable, pyclient, "localhost",
                                str(ctx.port("selfsigned"))], ctx.env(shim=False))
        lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=audit" in l]
        if rc != 0:
            return "audit run exited %s:\n%s" % (rc, indent("stderr", err))
        return None if len(lines) == 1 else "wanted one audit line, got:\n" + indent("stderr", err)
    checks.append(("ossl3/check/run-audit", run_audit))

    def run_status():
        rc, out, err = ctx.run([tool, "run", "--", "sh", "-c", "exit 7"], ctx.env(shim=False))
        return None if rc == 7 else "tlsguard run exited %s, wanted the command's 7" % rc
    checks.append(("ossl3/check/run-exit-status", run_status))

    good, bad = str(ctx.port("good13")), str(ctx.port("selfsigned"))

    def run_report():
        script = "%s %s localhost %s; %s %s localhost %s; exit 3" % (
            sys.executable, pyclient, good, sys.executable, pyclient, bad)
        rc, out, err = ctx.run([tool, "run", "--report", "--", "sh", "-c", script], ctx.env(shim=False))
        rows = [l.split()[:5] for l in err.splitlines() if l.startswith("  localhost ")]
        want = [["localhost", good, "TLSv1.3", "allow", "1"], ["localhost", bad, "-", "block", "1"]]
        if rc != 3:
            return "tlsguard run --report exited %s, wanted the command's 3" % rc
        if "tlsguard report: 2 TLS connections, 1 blocked" not in err or sorted(rows) != sorted(want):
            return "report is not what the tree did:\n" + indent("stderr", err)
        return None
    checks.append(("ossl3/check/run-report", run_report))

    def run_clean_env_child():
        # The child scrubs its environment (env -i): the shim's exec hook puts
        # LD_PRELOAD and the settings back, so the grandchild is still covered.
        pol = policy_file("run-child", "mode enforce\n")
        rc, out, err = ctx.run([tool, "run", "--policy", pol, "--", "env", "-i", "PATH=/usr/bin:/bin",
                                "SSL_CERT_FILE=" + cafile, sys.executable, pyclient, "localhost", bad],
                               ctx.env(shim=False))
        lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
        if rc == 0 or len(lines) != 1:
            return "a child started with env -i escaped the shim (exit %s):\n%s" % (rc, indent("stderr", err))
        return None
    checks.append(("ossl3/check/run-covers-children-with-clean-env", run_clean_env_child))

    def run_setuid_child():
        suid = os.path.join(ctx.tmp, "suid-true")
        shutil.copyfile("/bin/true", suid)
        os.chmod(suid, 0o4755)
        rc, out, err = ctx.run([tool, "run", "--", "sh", "-c", suid], ctx.env(shim=False))
        lines = [l for l in err.splitlines() if "action=notice" in l and "suid-true" in l and "setuid" in l]
        return None if len(lines) == 1 else "no notice for a setuid child:\n" + indent("stderr", err)
    checks.append(("ossl3/check/run-notices-setuid-child", run_setuid_child))

    # Per-host anchors on a context shared by two hosts: trusting the other CA
    # for localhost must not leave it in the context for 127.0.0.1 after.
    # (Needs the shim to apply tg_host_settings.ca_file per connection.)
    shared_ctx = (
        "import socket, ssl, sys\n"
        "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
        "ctx.check_hostname = False\n"
        "ctx.verify_mode = ssl.CERT_NONE\n"
        "for host in sys.argv[2:]:\n"
        "    try:\n"
        "        s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1]))),\n"
        "                            server_hostname=host)\n"
        "        s.sendall(b'x'); s.close(); print(host, 'ok')\n"
        "    except (ssl.SSLError, OSError) as e:\n"
        "        print(host, 'failed')\n")

    def host_ca_shared_ctx():
        pol = os.path.join(ctx.tmp, "policies", "ca-host.policy")
        argv = [sys.executable, "-c", shared_ctx, str(ctx.port("untrusted")), "localhost", "127.0.0.1",
                "localhost"]
        rc, out, err = ctx.run(argv, ctx.env(shim=False))
        if out.split() != ["localhost", "ok", "127.0.0.1", "ok", "localhost", "ok"]:
            return "no-shim control did not reach the peer three times:\n" + indent("stdout", out)
        rc, out, err = ctx.run(argv, ctx.env(TLSGUARD_POLICY=pol))
        want = ["localhost", "ok", "127.0.0.1", "failed", "localhost", "ok"]
        if out.split() != want:
            return "wanted %s:\n%s%s" % (" ".join(want), indent("stdout", out), indent("stderr", err))
        return None
    checks.append(("ossl3/check/host-ca-not-widened-on-a-shared-context", host_ca_shared_ctx))
    def run_notices_gnutls(argv_of):
        # wget does its TLS through GnuTLS: LD_PRELOAD'ing the shim into it
        # changes nothing, and `tlsguard run` must say so rather than look
        # protected, for the command itself and for a child of a covered one.
        def check():
            wget = shutil.which("wget")
            if not wget:
                return "wget is not installed (the CI installs it)"
            url = "http://127.0.0.1:%d/" % free_port()
            rc, out, err = ctx.run([tool, "run", "--"] + argv_of(wget, url), ctx.env(shim=False))
            lines = [l for l in err.splitlines()
                     if "action=notice" in l and "/wget" in l and "GnuTLS" in l]
            return None if len(lines) == 1 else "no single GnuTLS notice for wget:\n" + indent("stderr", err)
        return check
    checks.append(("ossl3/check/run-notices-gnutls-wget",
                   run_notices_gnutls(lambda wget, url: [wget, "-q", "--tries=1", "-O", "/dev/null", url])))
    checks.append(("ossl3/check/run-notices-gnutls-wget-child",
                   run_notices_gnutls(lambda wget, url: ["sh", "-c", "%s -q --tries=1 -O /dev/null %s; true"
                                                         % (wget, url)])))

    def server_floor():
        # A server under the shim: the protocol floor and nothing else (no
        # client certificate demanded), whoever connects.
        port = free_port()
        srv_out = os.path.join(ctx.tmp, "shimmed-server.out")
        srv_err = os.path.join(ctx.tmp, "shimmed-server.err")
        cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-quiet",
               "-cert", os.path.join(ctx.pki, "good.pem"), "-key", os.path.join(ctx.pki, "good.key"),
               "-cipher", LEGACY_CIPHERS, "-min_protocol", "TLSv1"]
        with open(srv_out, "wb") as out, open(srv_err, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                    env=ctx.env(), start_new_session=True)
        try:
            deadline = time.monotonic() + 5
            while not is_listening(port) and time.monotonic() < deadline:
                time.sleep(0.02)
            s_client = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-quiet",
                        "-no_ign_eof", "-cipher", LEGACY_CIPHERS]
            legacy = ctx.runner.run_client(s_client + ["-tls1"], ctx.env(shim=False), b"LEGACY-BYTES\n")
            modern = ctx.runner.run_client(s_client, ctx.env(shim=False), b"MODERN-BYTES\n")
            time.sleep(0.3)
            got = open(srv_out, "rb").read()
            logged = open(srv_err, "rb").read().decode(errors="replace")
        finally:
            stop_group(proc)
        if b"LEGACY-BYTES" in got or legacy[0] == 0:
            return "a TLS 1.0 client got through to a server under the shim:\n%s%s" % (
                said(*legacy), indent("server stderr", logged))
        if b"MODERN-BYTES" not in got or modern[0] != 0:
            return "a TLS 1.3 client without a certificate was refused:\n%s%s" % (
                said(*modern), indent("server stderr", logged))
        blocks = [l for l in logged.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
        if len(blocks) != 1 or "protocol" not in blocks[0]:
            return "wanted one protocol block line from the server:\n" + indent("server stderr", logged)
        return None
    checks.append(("ossl3/check/server-gets-the-floor-only", server_floor))

    def log_syslog():
        # `log syslog` sends RFC 3164 datagrams to /dev/log, ident tlsguard,
        # facility authpriv. Checked in a private mount namespace whose /dev
        # holds a socket of ours (the machine's /dev is never touched).
        need_private_mounts()
        fake = os.path.join(ctx.tmp, "fakedev")
        got = os.path.join(ctx.tmp, "syslog.got")
        pol = policy_file("log-syslog", "log syslog\n")
        listener = ("import socket,sys\n"
                    "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM);s.bind(sys.argv[1]);s.settimeout(10)\n"
                    "m=b''\n"
                    "while b'action=block' not in m: m=s.recv(4096)\n"
                    "open(sys.argv[2],'wb').write(m)\n")
        script = ('set -e; mkdir -p "$FAKE"; for n in null zero urandom random; do '
                  'touch "$FAKE/$n"; mount --bind "/dev/$n" "$FAKE/$n"; done; '
                  '"$PY" -c "$LISTENER" "$FAKE/log" "$GOT" & '
                  'while [ ! -S "$FAKE/log" ]; do sleep 0.05; done; '
                  'mount --bind "$FAKE" /dev; '
                  '"$PY" "$CLIENT" localhost "$PORT" || true; wait')
        env = ctx.env(FAKE=fake, GOT=got, PY=sys.executable, LISTENER=listener, CLIENT=pyclient,
                      PORT=bad, TLSGUARD_POLICY=pol)
        rc, out, err = ctx.run(["unshare", "-m", "sh", "-c", script], env)
        msg = open(got, "rb").read().decode(errors="replace") if os.path.exists(got) else ""
        if LOG_PREFIX in err:
            return "a line went to stderr although the policy says 'log syslog':\n" + indent("stderr", err)
        if not re.match(r"<84>\w{3} [ \d]\d \d\d:\d\d:\d\d tlsguard\[\d+\]: time=.*action=block", msg):
            return "no syslog datagram (authpriv.warning, ident tlsguard) for the block: %r\n%s" % (
                msg, said(rc, out, err))
        return None
    checks.append(("ossl3/check/log-to-syslog", log_syslog))

    def two_copies():
        # One process, two OpenSSLs: the program's 3.0 and a plugin's 1.1.1,
        # dlopen'ed RTLD_LOCAL. Each call must go to the copy its caller uses
        # (crossing copies crashes), and each copy enforces.
        o11 = next((c.env for c in ctx.clients if c.ossl == "ossl11"), None)
        if not o11:
            return "OpenSSL 1.1.1 is not available"
        root = os.path.dirname(os.path.dirname(os.path.dirname(o11["LD_LIBRARY_PATH"])))
        lib11 = o11["LD_LIBRARY_PATH"]
        src = os.path.join(TESTS, "clients")
        prog, plugin = os.path.join(ctx.tmp, "two_libssl"), os.path.join(ctx.tmp, "plugin11.so")
        flags = ["-std=gnu99", "-Wall", "-Wextra", "-Werror"]
        sh(["cc"] + flags + ["-DTWO_CONNECT=main_connect", "-o", prog,
                             os.path.join(src, "two_libssl.c"), os.path.join(src, "two_libssl_conn.c"),
                             "-lssl", "-lcrypto", "-ldl"], "building two_libssl")
        sh(["cc"] + flags + ["-fPIC", "-shared", "-fvisibility=hidden", "-DTWO_CONNECT=plugin_connect",
                             "-I" + os.path.join(root, "usr/include"),
                             "-I" + os.path.join(root, "usr/include/x86_64-linux-gnu"),
                             "-o", plugin, os.path.join(src, "two_libssl_conn.c"),
                             "-L" + lib11, "-Wl,-rpath," + lib11, "-lssl", "-lcrypto"],
           "building the OpenSSL 1.1.1 plugin")
        argv = [prog, plugin, "localhost", good, bad]
        env = ctx.env(shim=False, OPENSSL_CONF=o11["OPENSSL_CONF"])
        rc, out, err = ctx.run(argv, env)
        if rc != 0 or out.count(": sent") != 4:
            return "without the shim not every connection went through:\n" + said(rc, out, err)
        env["LD_PRELOAD"] = ctx.runner.shim
        rc, out, err = ctx.run(argv, env)
        want = ["two-main-%s (OpenSSL 3" % good, "two-plugin-%s (OpenSSL 1.1.1" % good]
        blocks = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
        if rc != 0:
            return "two_libssl died under the shim (exit %s):\n%s%s" % (rc, indent("stdout", out),
                                                                     indent("stderr", err))
        sent = [l for l in out.splitlines() if l.endswith(": sent")]
        if len(sent) != 2 or not all(any(l.startswith(w) for l in sent) for w in want):
            return "the good peer was not reached through both copies:\n" + said(rc, out, err)
        if out.count(": failed") != 2 or len(blocks) != 2:
            return "the bad peer was not blocked in both copies:\n" + said(rc, out, err)
        return None
    checks.append(("ossl3+ossl11/check/two-openssl-copies-in-one-process", two_copies))

    def secure_execution():
        # A setgid program run by another user is a secure-execution process
        # (AT_SECURE): the dynamic linker preloads only a setuid library from
        # a system directory, and the shim must ignore every TLSGUARD_*
        # variable. Here TLSGUARD_POLICY names an invalid file and
        # TLSGUARD_LOG says none: honoured, the block would cite the policy
        # and log nothing; ignored, it cites the certificate (the test CA is
        # unknown: OpenSSL ignores SSL_CERT_FILE there too) and logs.
        if os.geteuid() != 0:
            return None  # needs root to set it up; the other checks still ran
        sysdir = "/usr/lib/x86_64-linux-gnu"
        lib = os.path.join(sysdir, "libtlsguard-atsecure-test-%d.so" % os.getpid())
        d = tempfile.mkdtemp(prefix="tlsguard-secure-")
        try:
            os.chmod(d, 0o755)
            shutil.copyfile(ctx.runner.shim, lib)
            os.chmod(lib, 0o4755)
            client = os.path.join(d, "legacy_cb")
            shutil.copyfile(os.path.join(ctx.tmp, "clients-ossl3", "legacy_cb"), client)
            os.chmod(client, 0o2755)  # setgid root
            pol = os.path.join(d, "bad.policy")
            with open(pol, "w") as f:
                f.write("this is not a directive\n")
            os.chmod(pol, 0o644)
            env = ctx.env(shim=False, LD_PRELOAD=os.path.basename(lib), TLSGUARD_POLICY=pol,
                          TLSGUARD_LOG="none")
            rc, out, err = ctx.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                    client, "localhost", good], env)
            lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
            if rc == 0 or len(lines) != 1:
                return "the shim did not run in the secure process (exit %s):\n%s%s" % (
                    rc, indent("stdout", out), indent("stderr", err))
            if "invalid policy" in lines[0] or "issuer" not in lines[0]:
                return "TLSGUARD_* was honoured in a secure-execution process:\n" + indent("stderr", err)
            return None
        finally:
            for path in (lib,):
                if os.path.exists(path):
                    os.unlink(path)
            shutil.rmtree(d, ignore_errors=True)
    checks.append(("ossl3/check/secure-execution-ignores-tlsguard-vars", secure_execution))

    def default_policy_file():
        # Without TLSGUARD_POLICY the shim reads /etc/tlsguard.policy if it
        # exists — the way /etc/ld.so.preload and clean-environment services
        # get a policy. Tried in a private mount namespace over a copy of
        # /etc: the machine's own /etc is never touched.
        need_private_mounts()
        etc = os.path.join(ctx.tmp, "etc-copy")
        pinned = "host localhost\n    pin %s\n    pin %s\n" % (
            read_pin(ctx.pki, "otherca"), read_pin(ctx.pki, "selfsigned"))
        script = ('set -e; cp -a /etc "$ETC"; mount --bind "$ETC" /etc; '
                  'printf "%s" "$POLICY" > /etc/tlsguard.policy; chmod 644 /etc/tlsguard.policy; '
                  'exec "$@"')
        env = ctx.env(ETC=etc, POLICY=pinned)
        env.pop("TLSGUARD_POLICY", None)
        rc, out, err = ctx.run(["unshare", "-m", "sh", "-c", script, "sh", sys.executable, pyclient,
                                "localhost", good], env)
        if rc == 0 or "pin mismatch" not in err:
            return "/etc/tlsguard.policy was not applied (exit %s):\n%s" % (rc, indent("stderr", err))
        rc, out, err = ctx.run([sys.executable, pyclient, "localhost", good], env)
        if rc != 0:
            return "without /etc/tlsguard.policy the good peer was refused:\n" + indent("stderr", err)
        return None
    checks.append(("ossl3/check/default-policy-file", default_policy_file))
    return checks


class Runner:
    def __init__(self, servers: Dict[str, Server], base_env: Dict[str, str], shim: str):
        self.servers = servers
        self.base_env = base_env
        self.shim = shim
        self.shim_problem = None if os.path.isfile(shim) else "%s does not exist" % shim
        self.aborted = False
        self.verbose = False
        self.verbose_log = print
        self._procs = set()
        self._lock = threading.Lock()

    def kill_clients(self):
        self.aborted = True
        with self._lock:
            for p in list(self._procs):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def run_client(self, argv: List[str], env: Dict[str, str], stdin: bytes):
        """Returns (exit code or None on timeout, stdout text, stderr text)."""
        try:
            p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            return None, "", "cannot run %s: %s" % (argv[0], e)
        with self._lock:
            self._procs.add(p)
        try:
            out, err = p.communicate(stdin, timeout=CLIENT_TIMEOUT)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            rc = None
        finally:
            with self._lock:
                self._procs.discard(p)
        return rc, out.decode(errors="replace"), err.decode(errors="replace")

    def run_case(self, case: Case):
        """Runs one client against one peer; returns None when the case passed,
        else the reason it failed (with the client's output)."""
        client, peer, expect = case.client, case.peer, case.expect
        server = self.servers[(client.ossl, peer.name)]
        if case.shim and self.shim_problem:
            return "no shim: " + self.shim_problem
        env = dict(self.base_env)
        env.update(client.env)
        env.update(case.env)
        if case.shim:
            env["LD_PRELOAD"] = self.shim
        argv = client.argv(client.host, server.port, peer)

        before = server.size()
        t0 = time.monotonic()
        rc, out, err = self.run_client(argv, env, client.stdin)
        elapsed = time.monotonic() - t0

        if expect.connects:
            deadline = time.monotonic() + POSITIVE_WAIT
            while client.marker not in server.read_from(before) and time.monotonic() < deadline:
                time.sleep(0.02)
        else:
            time.sleep(NEGATIVE_WAIT)
        got = server.read_from(before)

        problems = judge(case, rc, out, err, got, server.port)
        if not problems:
            if self.verbose:
                self.verbose_log("  %s: exit %s, server got %r\n%s%s" % (
                    case.name, rc, got[:80], indent("stdout", out), indent("stderr", err)))
            return None
        return "%s\n    argv: %s\n    exit: %s after %.2fs; server received %d bytes: %r\n%s%s" % (
            "; ".join(problems), " ".join(argv), "timeout" if rc is None else rc, elapsed,
            len(got), got[:200], indent("stdout", out), indent("stderr", err))


class SkipCheck(Exception):
    """A check that cannot run here; the reason is printed as `skip NAME: why`."""


def need_private_mounts():
    """Checks that bind-mount over /dev or /etc do it in a private mount
    namespace; where one is not permitted (no root, a container without
    CAP_SYS_ADMIN, a plain chroot) they are skipped, saying why."""
    if os.geteuid() != 0:
        raise SkipCheck("needs root for a private mount namespace")
    if not shutil.which("unshare"):
        raise SkipCheck("unshare (util-linux) is not installed")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        "mount --bind /tmp /mnt && umount /mnt"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise SkipCheck("a private mount namespace is not permitted here: "
                        + p.stdout.decode(errors="replace").strip()[-200:])


def said(rc, out: str, err: str) -> str:
    """What a client did, for a failure message: its exit code, stdout, stderr."""
    return "    exit: %s\n%s%s" % ("timeout" if rc is None else rc, indent("stdout", out),
                                   indent("stderr", err))


def indent(what: str, text: str, limit: int = 3000) -> str:
    if not text.strip():
        return "    %s: (empty)\n" % what
    if len(text) > limit:
        text = text[:limit] + "\n... (%d more chars)" % (len(text) - limit)
    return "    %s:\n" % what + "".join("      | " + l + "\n" for l in text.rstrip("\n").split("\n"))


LOG_PREFIX = "tlsguard: "


def judge(case: Case, rc, out: str, err: str, got: bytes, port: int) -> List[str]:
    """Every way the run differs from what the case expects."""
    client, expect = case.client, case.expect
    problems = []
    if "cannot be preloaded" in err:
        problems.append("the shim was not loaded")
    log_lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX)]
    if case.shim:
        problems += what_the_shim_left(client, out)

    if expect.connects:
        if rc not in client.ok_codes:
            problems.append("exit %s, wanted %s" % ("timeout" if rc is None else rc,
                                                      "/".join(map(str, client.ok_codes))))
        if client.marker not in got:
            problems.append("server did not record %r" % client.marker)
        if expect.out_contains and out.count(expect.out_contains) < expect.out_count:
            problems.append("client output has %r %d time(s), wanted %d" % (
                expect.out_contains, out.count(expect.out_contains), expect.out_count))
        if expect.log_action is None:
            if log_lines:
                problems.append("tlsguard logged on a connection it should allow")
        else:
            problems += check_log(case, log_lines, port)
        return problems

    # Blocked: failed, nothing reached the server, exactly one log line, the
    # error queue names tlsguard.
    if rc is None:
        problems.append("client timed out instead of failing")
    elif rc == 0 or rc in client.ok_codes:
        problems.append("client exited %d: it thinks it succeeded" % rc)
    if got:
        problems.append("server received %d bytes from a blocked client" % len(got))
    if expect.log_action is None:  # failed by itself: the log must not say otherwise
        lies = [l for l in log_lines if expect.not_reason and re.search(expect.not_reason, l)]
        if lies:
            problems.append("tlsguard's log gives a reason that is not what happened: %s" % lies[0])
        return problems
    problems += check_log(case, log_lines, port)
    if client.errqueue_names_tlsguard and "tlsguard" not in out:
        problems.append("client output does not name tlsguard (error queue / exception text)")
    if client.prints_ssl_get_error and "SSL_get_error=1" not in out:
        problems.append("failing call's SSL_get_error is not 1 (SSL_ERROR_SSL)")
    return problems


def what_the_shim_left(client: Client, out: str) -> List[str]:
    """What the shim must never do to a program, seen in its output: set an
    option bit its libssl gives another meaning, leave a verify result its
    libssl has no text for."""
    problems = []
    for m in re.finditer(r"^options 0x([0-9a-f]+)$", out, re.M):
        bits = int(m.group(1), 16) & client.foreign_options
        if bits:
            problems.append("option bit 0x%x was set, which this OpenSSL reads as another option "
                            "(1.0.x: SSL_OP_NETSCAPE_CA_DN_BUG)" % bits)
            break
    m = re.search(r"^verify result: (\d+) \((error number \d+)\)", out, re.M)
    if m:
        problems.append("SSL_get_verify_result is %s, a code this OpenSSL does not define (its text: %r)"
                        % m.groups())
    return problems


def check_log(case: Case, log_lines: List[str], port: int) -> List[str]:
    action = case.expect.log_action
    mine = [l for l in log_lines if re.search(r"\baction=%s\b" % re.escape(action), l)]
    if len(mine) != 1:
        return ["wanted exactly one '%saction=%s' line on stderr, found %d"
                % (LOG_PREFIX, action, len(mine))]
    line, problems = mine[0], []
    host = case.client.log_host or case.client.host
    if not re.search(r'\bhost="?%s"?(\s|$)' % re.escape(host), line):
        problems.append("log line lacks host=%s" % host)
    if case.client.port_known:
        if not re.search(r"\bport=%d(\s|$)" % port, line):
            problems.append("log line lacks port=%d" % port)
    else:  # the port may be unknown to the shim, but must never be a wrong one
        m = re.search(r"\bport=(\d+)", line)
        if m and int(m.group(1)) != port:
            problems.append("log line has port=%s, the peer is on %d" % (m.group(1), port))
    m = re.search(r'\breason="([^"]*)"', line)
    if not m:
        problems.append('log line lacks reason="..."')
    elif case.expect.reason and not re.search(case.expect.reason, m.group(1), re.I):
        problems.append("reason %r does not match /%s/i" % (m.group(1), case.expect.reason))
    return problems


# --------------------------------------------------------------------------
# Setup and main.

def sh(argv: List[str], what: str):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (what, r.returncode,
                                                        r.stdout.decode(errors="replace")))


ALL_OPENSSLS = ["ossl3", "ossl11"] + [o[0] for o in OLD_OPENSSLS]


def find_builds(args, wanted, report) -> List[OpensslBuild]:
    """The OpenSSLs to run on: the system's 3.0; 1.1.1 (fetched once); the
    1.0.x builds from ../shared/vendor (built once; absent vendor sources:
    one SKIP line, the rest runs). A failed fetch or build costs only its
    own cases. With --list nothing is fetched or built."""
    builds = [OpensslBuild("ossl3", "OpenSSL 3.0")]
    o11 = os.path.abspath(args.openssl11_cache)
    if "ossl11" in wanted:
        try:
            if not args.list:
                sh(["sh", os.path.join(TESTS, "lib", "fetch-openssl11.sh"), o11], "fetching OpenSSL 1.1.1")
            builds.append(OpensslBuild("ossl11", "OpenSSL 1.1.1", os.path.join(o11, "root"), o11,
                                       version=0x1010117f))
        except RuntimeError as e:
            report("ossl11/setup", str(e))
    old, skips, errors = old_openssl_builds(wanted, build=not args.list)
    for line in skips:
        print(line if line.startswith("SKIP") else "SKIP: " + line, flush=True)
    for name, text in errors:
        report("%s/setup" % name, text)
    return builds + old


def builds_to_compile(builds: List[OpensslBuild], cases: List[Case], only: Optional[str]):
    """The system's (the checks use its clients), and every other one some
    selected case or check runs on."""
    used = {c.client.ossl for c in cases}
    return [b for b in builds if b.name == "ossl3" or b.name in used or not only or
            any(re.search(only, n) for n in build_check_names(b.name))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="dir holding libtlsguard.so (default build)")
    ap.add_argument("--only", metavar="REGEX", help="run only cases whose name matches")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show every client's output, also when the case passed")
    ap.add_argument("-j", "--jobs", type=int, default=8,
                    help="peers tested in parallel (each peer's cases run in order)")
    ap.add_argument("--openssl", metavar="NAMES", default=",".join(ALL_OPENSSLS),
                    help="comma-separated OpenSSLs to run on (default: all of %s)" % ",".join(ALL_OPENSSLS))
    ap.add_argument("--openssl11-cache", default=os.path.join(cache_dir(), "openssl11"))
    args = ap.parse_args(argv)
    wanted = set(args.openssl.split(","))
    if wanted - set(ALL_OPENSSLS) or "ossl3" not in wanted:
        ap.error("--openssl takes names among %s, ossl3 included" % ",".join(ALL_OPENSSLS))

    t_start = time.monotonic()
    shim = os.path.join(os.path.abspath(args.build), "libtlsguard.so")
    tmp = tempfile.mkdtemp(prefix="tlsguard-e2e-")
    servers: Dict[tuple, Server] = {}
    runner: Optional[Runner] = None
    counts: Dict[str, List[int]] = {}   # per OpenSSL (case name prefix): passed, failed, skipped
    out_lock = threading.Lock()

    def report(name: str, why: Optional[str], skip: Optional[str] = None):
        with out_lock:
            n = counts.setdefault(name.split("/")[0], [0, 0, 0])
            if skip is not None:
                n[2] += 1
                print("skip %s: %s" % (name, skip), flush=True)
            elif why is None:
                n[0] += 1
                print("ok   %s" % name, flush=True)
            else:
                n[1] += 1
                print("FAIL %s: %s" % (name, why.rstrip("\n")), flush=True)

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # even where a shell started us with SIGINT ignored

    try:
        builds = find_builds(args, wanted, report)
        clients = make_clients(tmp, builds)
        cases = plan(clients, tmp)
        if args.only:
            rx = re.compile(args.only)
            cases = [c for c in cases if rx.search(c.name)]
        if args.list:
            for c in cases:
                print(c.name)
            print("%d cases" % len(cases), file=sys.stderr)
            return 0

        pki = os.path.join(tmp, "pki")
        sh(["sh", os.path.join(TESTS, "lib", "pki.sh"), pki], "making the test PKI")
        for b in builds_to_compile(builds, cases, args.only):
            # A build that does not compile costs its own cases, not the run.
            try:
                sh(["sh", os.path.join(TESTS, "clients", "build.sh"), client_bins(tmp, b)]
                   + ([b.tree] if b.tree else []), "building the clients against " + b.label)
            except RuntimeError as e:
                if b.name == "ossl3":
                    raise
                report("%s/setup" % b.name, str(e))
                cases = [c for c in cases if c.client.ossl != b.name]
        write_policies(os.path.join(tmp, "policies"), pki)
        # Servers per OpenSSL (each peer's cases run in order): the lanes run in parallel.
        needed = {(c.client.ossl, c.peer.name) for c in cases} | {("ossl3", p) for p in CHECK_PEERS}
        for key in sorted(needed, key=lambda k: (k[0], list(ALL_PEERS).index(k[1]))):
            servers[key] = Server(ALL_PEERS[key[1]], tmp, pki, lane=key[0])
            servers[key].start()

        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith("TLSGUARD_") and k not in (
                        "LD_PRELOAD", "LD_LIBRARY_PATH", "OPENSSL_CONF", "SSL_CERT_DIR",
                        "SSL_CERT_FILE", "CURL_CA_BUNDLE", "http_proxy", "https_proxy",
                        "HTTPS_PROXY", "all_proxy", "ALL_PROXY")}
        base_env["SSL_CERT_FILE"] = os.path.join(pki, "ca.pem")  # the only way clients get the CA
        runner = Runner(servers, base_env, shim)
        runner.verbose = args.verbose

        def verbose_log(text):
            with out_lock:
                print(text.rstrip("\n"), flush=True)
        runner.verbose_log = verbose_log
        if runner.shim_problem and any(c.shim for c in cases):
            print("note: %s: every shim case fails" % runner.shim_problem, flush=True)

        # A peer's s_server handles one connection at a time, so a peer's cases
        # run in order; different peers (and each OpenSSL's own peers) run in parallel.
        groups: Dict[tuple, List[Case]] = {}
        for c in cases:
            groups.setdefault((c.client.ossl, c.peer.name), []).append(c)

        def run_group(group: List[Case]):
            for case in group:
                if runner.aborted:
                    return
                if case.client.skip:
                    report(case.name, None, skip=case.client.skip)
                    continue
                try:
                    why = runner.run_case(case)
                except Exception as e:  # a harness bug must not hide other results
                    why = "harness error: %r" % e

                if runner.aborted:
                    return  # its client was killed by the abort: no verdict
                report(case.name, why)

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            # The longest groups first: the last to finish is then a short one.
            futures = [ex.submit(run_group, g) for g in sorted(groups.values(), key=len, reverse=True)]
            try:
                for f in futures:
                    f.result()
            except KeyboardInterrupt:
                runner.kill_clients()
                raise

        print("# matrix: %.1fs" % (time.monotonic() - t_start), flush=True)
        # Checks that are not one client against one peer.
        main_servers = {p: srv for (lane, p), srv in servers.items() if lane == "ossl3"}
        ctx = CheckContext(runner, main_servers, tmp, pki, os.path.abspath(args.build), clients,
                           [b for b in builds if os.path.isdir(client_bins(tmp, b))])
        for name, check in extra_checks(ctx):
            if args.only and not re.search(args.only, name):
                continue
            try:
                why = check()
            except SkipCheck as e:
                print("skip %s: %s" % (name, e), flush=True)
                continue
            except Exception as e:
                why = "harness error: %r" % e
            report(name, why)
    except KeyboardInterrupt:
        report("interrupted", "stopped by a signal")
    except RuntimeError as e:
        report("setup", str(e))
    finally:
        if runner:
            runner.kill_clients()
        for s in servers.values():
            s.stop()
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print("# %.1fs" % (time.monotonic() - t_start))
    for name in sorted(counts):
        print("# %s: %d passed, %d failed, %d skipped" % tuple([name] + counts[name]))
    passed, failed, skipped = (sum(n[i] for n in counts.values()) for i in range(3))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
