"""tests/gnutls's cases: a Case is one client against one peer, with or
without the shim, and what must happen (see run.py). The matrix of clients
and peers, the extras (pins, audit, min-protocol, weak suites, resumption),
the program's error texts, and tests/gnutls/roads.c's roads. The functions
take the driver's Suite (its clients, peers, pki and pins).
python3 standard library only."""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from peers import BAD, GOOD, PEERS, Client


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



def matrix(s) -> List[Case]:
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


def extras(s) -> List[Case]:
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
            # The self-signed peer's own certificate as localhost's anchor gets
            # through; as another host's, not (control: <client>/noshim/selfsigned).
            Case(n + "/shim/selfsigned/ca-leaf-host", c, "selfsigned", True, "connects",
                 policy="host localhost\n    ca-file %s\n" % os.path.join(s.pki, "selfsigned.pem")),
            Case(n + "/shim/selfsigned/ca-leaf-other-host", c, "selfsigned", True, "blocked", r"self.signed",
                 policy="host 127.0.0.1\n    ca-file %s\n" % os.path.join(s.pki, "selfsigned.pem")),
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
        # The floor takes the NULL cipher out of the ClientHello: refused, not negotiated.
        Case("careless_weak/shim/weaknull-offered", weak, "weaknull", True, "blocked",
             r"weak cipher suites refused"),
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


def error_texts(s) -> List[Case]:
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


def roads_cases(s) -> List[Case]:
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

