#!/usr/bin/env python3
"""OpenSSL beneath libssl: after a block, no byte the program writes to the
socket itself reaches the peer.

    python3 tests/e2e/rawfd.py --build build [--openssl ossl3,ossl11,...] [--only REGEX]

tests/clients/legacy_rawfd.c ignores SSL_connect's failure, SSL_writes its
payload, calls SSL_shutdown, then write(2)s a raw line straight to the
descriptor (legacy code that falls back to plaintext on the same socket).
A recording TCP relay (tests/lib/servers.py RecordingRelay, drain_client)
in front of each peer (its RecordingPeer: self-signed, wrong name, TLS 1.0
only; good) keeps every byte the client sends, even after the peer has gone. On OpenSSL 3.0, 1.1.1 and the 1.0.x builds of the cache:

  noshim   the control: the payload and the raw line reach the bad peer
  audit    mode audit: the same, with an audit line and no block
  shim     neither arrives; one block line; the client runs to its end
           (SIGPIPE ignored: its raw write fails with EPIPE, the socket
           was shut both ways at the block; ECONNRESET if a reset came first)
  sigpipe  the same client with SIGPIPE at its default: it dies of it at
           its raw write, never inside libssl (SSL_connect, SSL_write and
           SSL_shutdown returned: libssl writes nothing to the shut
           socket), and nothing arrives
  late     with the shim, straight to the bad peer (no relay), SSL_write
           300 ms after the block, when the refusing peer has closed (the
           socket's peer address is gone): its error text names the host
           the block line names
  good     with the shim, a good peer gets both (nothing shut)
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`.
"""

import argparse
import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import cbuild  # noqa: E402
import pki  # noqa: E402
import servers  # noqa: E402
import tgtest  # noqa: E402
from tally import Tally  # noqa: E402

PAYLOAD = b"TLSGUARD-PAYLOAD legacy_rawfd\n"
RAW = b"TLSGUARD-RAWFD legacy_rawfd\n"
# peer name: (certificate, min, max); the bad ones first
PEERS = {"selfsigned": ("selfsigned", "TLSv1_2", "TLSv1_3"), "wrongname": ("wrongname", "TLSv1_2", "TLSv1_3"),
         "tls10": ("good", "TLSv1", "TLSv1"), "good": ("good", "TLSv1_2", "TLSv1_3")}
MODES = ("noshim", "audit", "shim", "sigpipe", "late")


def judge(mode, peer, got_payload, got_raw, blocks, audits, rc, out, port):
    """None when the case holds, else why not."""
    bad = peer != "good"
    if mode in ("noshim", "audit") or not bad:
        if not (got_payload and got_raw):
            return "want the payload and the raw line at the peer, got payload=%s raw=%s: %s" % (
                got_payload, got_raw, out)
        if mode == "audit" and (blocks or not audits):
            return "want an audit line and no block, got %s %s" % (blocks, audits)
        return None if mode != "shim" or not blocks else "a good peer was blocked: %s" % blocks
    if got_payload or got_raw:
        return "the peer got %s after the block: %s" % ("the raw line" if got_raw else "the payload", out)
    if len(blocks) != 1 or "port=%d" % port not in blocks[0]:
        return "want one block line for port %d, got %s (%s)" % (port, blocks, out)
    if "SSL_shutdown returned" not in out:
        return "the client died before its raw write (rc %d): %s" % (rc, out)
    # A reset that reached the socket first makes the write fail with
    # ECONNRESET instead, and raise no signal (seen once on 1.0.1e under load).
    reset = rc == 1 and "errno=%d" % errno.ECONNRESET in out
    if mode == "sigpipe":
        return None if rc == -signal.SIGPIPE or reset else (
            "want death by SIGPIPE at the raw write, rc %d: %s" % (rc, out))
    if not reset and (rc != 1 or "errno=%d" % errno.EPIPE not in out):
        return "want the raw write to fail with EPIPE (rc 1), rc %d: %s" % (rc, out)
    return None


def judge_late(blocks, out, port):
    """The late SSL_write's error names the block line's host and port."""
    m = re.search(r" host=(\S+) port=%d " % port, blocks[0]) if len(blocks) == 1 else None
    if not m:
        return "want one block line for port %d, got %s (%s)" % (port, blocks, out)
    want = "tlsguard: blocked host=%s port=%d:" % (m.group(1), port)
    return None if want in out else "the late SSL_write's error does not say %r: %s" % (want, out)


def run_case(args, ossl, bins, work, pk, peer, mode):
    cert, lo, hi = PEERS[peer]
    tag = re.sub(r"\W", "_", "%s_%s_%s" % (ossl.name, peer, mode))
    rp = servers.RecordingPeer(tag, pk, cert, lo, hi, work).start()
    relay = servers.RecordingRelay(rp.port, drain_client=True) if mode != "late" else None
    log = os.path.join(work, tag + ".log")
    open(log, "w").close()
    policy = os.path.join(work, "audit.policy" if mode == "audit" else "base.policy")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TLSGUARD_", "LD_PRELOAD"))}
    env.update(ossl.env)
    if mode != "noshim":
        env.update(LD_PRELOAD=os.path.abspath(os.path.join(args.build, "libtlsguard.so")),
                   TLSGUARD_POLICY=policy, TLSGUARD_LOG=log)
    port = relay.port if relay else rp.port
    argv = [os.path.join(bins, "legacy_rawfd"), "localhost", str(port)] + (
        ["--" + mode] if mode in ("sigpipe", "late") else [])
    try:
        r = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=15)
        rp.settle()
        got_payload = PAYLOAD in rp.since(0)
    finally:
        if relay:
            relay.stop()
        rp.stop()
    lines = open(log).read().splitlines()
    blocks = [l for l in lines if "action=block" in l]
    audits = [l for l in lines if "action=audit" in l]
    out = r.stdout.decode(errors="replace").strip().replace("\n", " | ")[-400:]
    if mode == "late":
        return judge_late(blocks, out, port) or (None if not got_payload else "the peer got the payload")
    return judge(mode, peer, got_payload, RAW in relay.raw, blocks, audits, r.returncode, out, relay.port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--openssl", help="comma-separated build names (default: all)")
    ap.add_argument("--only")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tg-osslraw-")
    tally = Tally()
    builds = tgtest.openssl_builds()
    old, skips, errors = tgtest.old_openssl_builds()
    builds += old
    for skip in skips:
        print(skip)
    for name, text in errors:
        tally("build/" + name, text)
    if args.openssl:
        builds = [b for b in builds if b.name in args.openssl.split(",")]
    try:
        pk = pki.make(os.path.join(work, "pki"))
        for name, extra in (("base", ""), ("audit", "mode audit\n")):
            with open(os.path.join(work, name + ".policy"), "w") as f:
                f.write("ca-file %s/ca.pem\n%s" % (pk, extra))
        for ossl in builds:
            bins = cbuild.build(args.build, ossl, ["legacy_rawfd"])
            for peer in PEERS:
                for mode in MODES if peer != "good" else ("shim",):
                    name = "rawfd/%s/%s/%s" % (ossl.name, mode, peer)
                    if args.only and not re.search(args.only, name):
                        continue
                    tally(name, run_case(args, ossl, bins, work, pk, peer, mode))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(tally.summary())


if __name__ == "__main__":
    main()
