#!/usr/bin/env python3
"""GnuTLS beneath the record layer: after a block, no byte the program
writes to the transport's own descriptor reaches the peer.

    python3 tests/gnutls/rawfd.py --build build [--only REGEX]

build/tests/gnutls_rawfd (tests/gnutls/rawfd.c) ignores its failed
handshake and writes a marker with write(2), send(2), or write(2) after
gnutls_bye, straight to the socket; byesig is bye with SIGPIPE at its
default: the program dies of it at its own raw write, never inside
gnutls_bye (the shim sends no alert on a blocked session); resumebye the
same after a session resumed for a name it was never verified for (a
good TLS 1.2 peer: the block comes after a handshake that completed).
A recording TCP relay (tests/lib/servers.py's RecordingRelay) in front of the peer (tests/lib/servers.py's RecordingPeer, self-signed or
wrong name) sees every byte the client sent. Without the shim the marker
arrives (the control); with it, no marker (the shim shuts the socket both
ways at the block, as the NSS backend does) and one block line.
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import pki  # noqa: E402
import servers  # noqa: E402
from tally import Tally  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tg-gtraw-")
    tally = Tally()
    lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
    client = os.path.join(args.build, "tests", "gnutls_rawfd")
    try:
        pk = pki.make(os.path.join(work, "pki"))
        policy = os.path.join(work, "base.policy")
        with open(policy, "w") as f:
            f.write("ca-file %s/ca.pem\n" % pk)
        combos = [(cert, mode) for cert in ("selfsigned", "wrongname")
                  for mode in ("write", "send", "bye", "byesig")] + [("good12", "resumebye")]
        for cert, mode in combos:
            for shim in (False, True):
                name = "rawfd/%s/%s/%s" % (mode, "shim" if shim else "noshim", cert)
                if args.only and not re.search(args.only, name):
                    continue
                peer = servers.RecordingPeer(re.sub(r"\W", "_", name), pk, cert.replace("12", ""), "TLSv1_2",
                                             "TLSv1_2" if cert == "good12" else "TLSv1_3", work,
                                             ciphers="").start()
                relay = servers.RecordingRelay(peer.port)
                log = os.path.join(work, re.sub(r"\W", "_", name) + ".log")
                open(log, "w").close()
                env = {k: v for k, v in os.environ.items() if not k.startswith(("TLSGUARD_", "LD_PRELOAD"))}
                if shim:
                    env.update(LD_PRELOAD=lib, TLSGUARD_POLICY=policy, TLSGUARD_LOG=log)
                marker = "MARKER-raw-" + mode
                try:
                    r = subprocess.run([client, "localhost", str(relay.port), marker, mode], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=15)
                finally:
                    relay.stop()
                    peer.stop()
                out = (r.stdout + r.stderr).decode(errors="replace")
                blocks = [l for l in open(log).read().splitlines() if "action=block" in l]
                got = marker.encode() in relay.raw
                if not shim:
                    why = None if got else "the marker never reached the peer without the shim: " + out
                    if mode == "resumebye" and "resumed=1" not in out:
                        why = "the control did not resume: " + out
                elif got:
                    why = "the peer got the raw marker after the block: " + out
                elif len(blocks) != 1 or "port=%d" % relay.port not in blocks[0]:
                    why = "want one block line, got %s (%s)" % (blocks, out)
                elif mode == "resumebye" and ("resumed=1" not in out or out.count("bye=") != 2):
                    why = "want the second connection resumed, and gnutls_bye to return: " + out
                elif mode in ("byesig", "resumebye"):
                    why = None if r.returncode == -signal.SIGPIPE and "bye=" in out else (
                        "want death by SIGPIPE at the raw write, after gnutls_bye returned (rc %d): %s"
                        % (r.returncode, out))
                elif r.returncode != 0:
                    why = "the client died (rc %d): %s" % (r.returncode, out)
                else:
                    why = None
                tally(name, why)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(tally.summary())


if __name__ == "__main__":
    main()
