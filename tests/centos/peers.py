"""Test peers that log what they negotiated and every byte they received
(tests/lib/peer_server.py, one process each on 127.0.0.1), and the PKI they use:
tests/lib/pki.py's local set with its RSA leaf from the same test CA (the user's report
negotiated ECDHE-RSA-AES256-SHA). python3 standard library only."""

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)


def make_pki(d: str) -> str:
    """The local set of tests/lib/pki.py into d, with d/rsa.pem/.key: RSA 2048,
    test CA, SAN localhost + 127.0.0.1."""
    return pki.make(d, rsa=True)


@dataclass
class Peer:
    name: str
    cert: str          # <pki>/<cert>.pem and .key
    min: str           # TLSv1 | TLSv1_1 | TLSv1_2 | TLSv1_3
    max: str
    reason: Optional[str] = None   # regex the block's reason must match; None: a good peer
    label: str = ""                # what it is, for tables


PEERS: Dict[str, Peer] = {p.name: p for p in [
    Peer("tls10", "rsa", "TLSv1", "TLSv1", r"protocol below TLS 1\.2", "TLS 1.0 only"),
    Peer("tls11", "rsa", "TLSv1_1", "TLSv1_1", r"protocol below TLS 1\.2", "TLS 1.1 only"),
    Peer("tls12", "rsa", "TLSv1_2", "TLSv1_2", None, "TLS 1.2 only"),
    Peer("tls13", "rsa", "TLSv1_2", "TLSv1_3", None, "TLS 1.2 + 1.3"),
    Peer("selfsigned", "selfsigned", "TLSv1", "TLSv1_3", r"self.signed", "self-signed, TLS 1.0-1.3"),
    Peer("wrongname", "wrongname", "TLSv1", "TLSv1_3", r"host name mismatch", "wrong name, TLS 1.0-1.3"),
]}


class PeerServer(servers.RecordingPeer):
    """tests/lib/peer_server.py for `peer`: one JSON line per connection in its log."""

    def __init__(self, peer: Peer, workdir: str, pki_dir: str):
        self.peer = peer
        super().__init__(peer.name, pki_dir, peer.cert, peer.min, peer.max, workdir)


def start_peers(names: List[str], workdir: str, pki: str) -> Dict[str, PeerServer]:
    servers: Dict[str, PeerServer] = {}
    try:
        for n in names:
            servers[n] = PeerServer(PEERS[n], workdir, pki)
            servers[n].start()
    except Exception:
        for s in servers.values():
            s.stop()
        raise
    return servers


def summarize(recs: List[dict]) -> (str, int, bytes):
    """(negotiated version or why the handshake failed, bytes received, the bytes)."""
    if not recs:
        return "no connection", 0, b""
    versions = []
    for r in recs:
        versions.append("%s %s" % (r["version"], r["cipher"]) if r["version"] else (r["error"] or "?"))
    data = b"".join(r["data"].encode("latin-1") for r in recs)
    return "; ".join(versions), len(data), data


def run(argv: List[str], env: Dict[str, str], timeout: float = 20.0):
    """(exit code or None on timeout, stdout, stderr)."""
    try:
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode(errors="replace"), (e.stderr or b"").decode(errors="replace")
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def base_env(pki: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TLSGUARD_") and k not in (
               "LD_PRELOAD", "LD_LIBRARY_PATH", "OPENSSL_CONF", "SSL_CERT_DIR", "SSL_CERT_FILE",
               "PYTHONPATH", "PYTHONHOME", "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
               "ALL_PROXY", "no_proxy", "NO_PROXY")}
    env["SSL_CERT_FILE"] = os.path.join(pki, "ca.pem")  # the default store: the test CA only
    return env


def block_lines(err: str) -> List[str]:
    return [l for l in err.splitlines() if l.startswith("tlsguard: ") and " action=block " in l]
