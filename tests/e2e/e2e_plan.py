"""The cases of the e2e suite (tests/e2e/run.py): the client x peer matrix,
the roads around the floor, policies (pins, per-host settings, audit), host
patterns and what a libssl cannot do."""

import os
import sys
from typing import List

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from e2e_clients import PROTOCOL_ROADS  # noqa: E402
from e2e_model import BAD_PEERS, EXTRA_PEERS, PEERS, Case, Client, Expect, block, with_host  # noqa: E402
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
        # A self-signed server certificate named as an anchor itself (a pinned internal server).
        "ca-selfsigned": "ca-file %s\n" % os.path.join(pki, "selfsigned.pem"),
        "ca-selfsigned-host": "host localhost\n    ca-file %s\n" % os.path.join(pki, "selfsigned.pem"),
        "first-match": "host api.test.example\n    pin %s\n    pin %s\n"
                       "host **.test.example\n%s" % (pin("multi"), pin("otherca"), wrong),
    }
    for name, text in files.items():
        path = os.path.join(d, name + ".policy")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o666 if name == "writable" else 0o644)


def plan_selfsigned_anchor(clients: List[Client], pol) -> List[Case]:
    """The self-signed peer's own certificate as the policy's anchor, global or
    localhost's: it gets through; reached as 127.0.0.1 (its IP SAN matches),
    no block lends it, refused. The no-shim controls: <client>/noshim/selfsigned."""
    cases: List[Case] = []
    ok, peer = Expect(connects=True), PEERS["selfsigned"]
    for c in clients:
        if (c.ossl, c.name) in (("ossl3", "python"), ("ossl3", "legacy_cb"), ("ossl11", "legacy_cb")):
            cases += [Case(c, peer, True, ok, pol("ca-selfsigned"), "ca-selfsigned"),
                      Case(c, peer, True, ok, pol("ca-selfsigned-host"), "ca-selfsigned-host"),
                      Case(with_host(c, "127.0.0.1"), peer, True, block(peer.reason),
                           pol("ca-selfsigned-host"), "ca-selfsigned-host")]
    return cases


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
    cases += plan_selfsigned_anchor(clients, pol)
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


