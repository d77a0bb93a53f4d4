"""tests/gnutls's peers and clients: which TLS servers a case may name
(each a tests/lib/servers.py RecordingPeer, or openssl s_server where Python's
ssl cannot be the peer: PSK, anonymous suites, 0-RTT) and which real GnuTLS
programs connect to them. python3 standard library only."""

import os
import shutil
import ssl
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import servers  # noqa: E402

LEGACY = "DEFAULT:@SECLEVEL=0"
V = ssl.TLSVersion


@dataclass
class PeerSpec:
    cert: str
    min_v: ssl.TLSVersion
    max_v: ssl.TLSVersion
    ciphers: Optional[str] = None
    reason: Optional[str] = None      # regex the block's reason must match; None: good
    greet: bool = False               # speaks first: GREETING-<name> before any request


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
GREETING = "tlsguard-greeting"
GOOD = [n for n, p in PEERS.items() if p.reason is None]
BAD = [n for n, p in PEERS.items() if p.reason is not None]
PSK_KEY = "1a2b3c4d5e6f7a8b"  # tests/gnutls/roads.c's


def start_peers(pki_dir: str, tmp: str) -> Dict[str, servers.Listener]:
    """Every peer, listening. A RecordingPeer ends the connection after its
    answer (close_notify), as clients that read until the server closes want;
    s_server -quiet never answers. Python's ssl (3.11) has no PSK server, so
    the PSK peer, like the anonymous and 0-RTT ones, is openssl s_server."""
    peers: Dict[str, servers.Listener] = {}
    for n, s in dict(PEERS, **EXTRA_PEERS).items():
        peers[n] = servers.RecordingPeer(n, pki_dir, s.cert, s.min_v.name, s.max_v.name, tmp,
                                         ciphers="" if s.ciphers is None else s.ciphers,
                                         close=True,
                                         greet="%s-%s" % (GREETING, n) if s.greet else None)
    openssl = {
        "psk": (None, ["-nocert", "-psk", PSK_KEY, "-psk_identity", "tg", "-tls1_2",
                       "-cipher", "PSK:@SECLEVEL=0"]),
        "anon": (None, ["-nocert", "-tls1_2", "-cipher", "aNULL:@SECLEVEL=0"]),
        "early13": ("good", ["-tls1_3", "-early_data"]),
    }
    for n, (cert, args) in openssl.items():
        peers[n] = servers.s_server(n, pki_dir, cert, args, os.path.join(tmp, n + ".out"))
    try:
        for p in peers.values():
            p.start()
    except Exception:
        for p in peers.values():
            p.stop()
        raise
    return peers


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

