"""The e2e suite's vocabulary (tests/e2e/run.py): peers, clients, what a case
expects, and the helpers every part of it uses."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)

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


def server(peer: Peer, workdir: str, pki: str, lane: str = "main") -> servers.Listener:
    """`openssl s_server -quiet` for `peer`; stdout (received bytes) goes to a file."""
    base = os.path.join(workdir, "server-%s-%s" % (lane, peer.name))
    return servers.s_server("s_server for %s" % peer.name, pki, peer.cert, peer.args,
                            base + ".out", base + ".err")


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


def block(reason: str) -> Expect:
    return Expect(connects=False, log_action="block", reason=reason)


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
PY_CLIENT = os.path.join(TESTS, "clients", "py_client.py")


def policy_file(ctx, name: str, text: str) -> str:
    """A policy file the check writes for itself, 0644 as the shim wants it."""
    path = os.path.join(ctx.tmp, "policies", name + ".policy")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


def sh(argv: List[str], what: str):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (what, r.returncode,
                                                        r.stdout.decode(errors="replace")))

