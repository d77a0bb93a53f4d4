#!/usr/bin/env python3
"""GnuTLS programs under tlsguard: real clients against real bad peers.

    python3 tests/gnutls/run.py --build build [--only REGEX] [--list]

Peers (peers.py) are tests/lib/servers.py RecordingPeers (tests/lib/peer_server.py,
Python's ssl on the system OpenSSL) on 127.0.0.1 with the certificates of
tests/lib/pki.py: each records every application byte it receives and answers
one HTTP reply.
Clients are real GnuTLS programs: `wget --no-check-certificate`,
`wget --secure-protocol=TLSv1`, `gnutls-cli --insecure`, `git -c
http.sslVerify=false ls-remote` (git-remote-https, libcurl-gnutls) and
tests/gnutls/careless.c (verification ignored, TLS 1.0 allowed, handshake result
ignored, writes anyway; one case per way of setting a priority) and
tests/gnutls/roads.c (the other roads: init flags, libgnutls's verification
weakened, a handshake hook, %NO_EXTENSIONS, PSK, anon, 0-RTT, every record call
on a session resumed for another name). PSK, anon and 0-RTT peers are openssl
s_server through tests/lib/servers.py. The cases are in cases.py, the checks
that are not one client against one peer in checks.py; this file runs them.

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
import subprocess
import sys
import tempfile
import warnings
from typing import List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import pki  # noqa: E402
import servers  # noqa: E402
from cases import Case, extras, matrix, roads_cases  # noqa: E402
from checks import CHECKS, CLIENT_TIMEOUT  # noqa: E402
from peers import GREETING, make_clients, start_peers  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.0/1.1 peers on purpose


class Suite:
    def __init__(self, build: str, tmp: str):
        self.build = os.path.abspath(build)
        self.tmp = tmp
        self.pki = os.path.join(tmp, "pki")
        pki.make(self.pki, rsa=True)
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home, exist_ok=True)
        self.peers = start_peers(self.pki, tmp)
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
        start = peer.mark()
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


def judge(case: Case, peer: servers.Listener, marker: str, got: bytes, lines: List[str],
          out: str) -> Optional[str]:
    decisions = [ln for ln in lines if re.search(r"action=(block|audit)", ln)]
    tail = " | client: " + out.strip().replace("\n", " / ")[-300:]
    reached = marker.encode() in got
    if case.greetings is not None and out.count(GREETING) != case.greetings:
        return "want %d greeting(s) handed to the client, got %d" % (
            case.greetings, out.count(GREETING)) + tail
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
        for name, check in CHECKS:
            if (args.only and not re.search(args.only, name)) or args.list:
                continue
            why = check(suite)
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
