#!/usr/bin/env python3
"""A version refusal names its real cause, on each backend.

    python3 tests/e2e/maxcap.py --build build --lib openssl|gnutls|nss [--only REGEX]

Real clients that cap their own maximum at TLS 1.2 (`openssl s_client
-max_protocol TLSv1.2`, `gnutls-cli --priority NORMAL:-VERS-TLS1.3`,
`tstclnt -V tls1.0:tls1.2`) against tests/lib/servers.py's RecordingPeer:

  cap12/peer13    a TLS 1.3-only peer, the default floor: the control shows
                  the client fails without the shim too (its own maximum is
                  the cause); with it the block line says the peer cannot do
                  TLS 1.2 to TLS 1.2, the highest the program lets the connection
                  offer, never that
                  it cannot do "TLS 1.2 or later".
  cap12/floor13   `min-protocol TLSv1.3`, a TLS 1.2-only peer (the control:
                  the client reaches it): the shim offers TLS 1.3 and the line
                  names the floor the peer lacks.
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import pki  # noqa: E402
import servers  # noqa: E402
from tally import Tally  # noqa: E402


def client(lib, port, db):
    if lib == "openssl":
        return ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost",
                "-max_protocol", "TLSv1.2"]
    if lib == "gnutls":
        return ["gnutls-cli", "--insecure", "--priority", "NORMAL:-VERS-TLS1.3", "-p", str(port), "localhost"]
    return ["tstclnt", "-d", "sql:" + db, "-h", "127.0.0.1", "-p", str(port), "-a", "localhost", "-o",
            "-V", "tls1.0:tls1.2"]


CASES = {
    # name: (peer min, peer max, policy text, want regex, never regex, control reaches the peer)
    "cap12/peer13": ("TLSv1_3", "TLSv1_3", "", r"peer cannot do TLS 1\.2 to TLS 1\.2, the highest the program lets this connection offer",
                     r"or later", False),
    "cap12/floor13": ("TLSv1_2", "TLSv1_2", "min-protocol TLSv1.3\n",
                      r"protocol below TLS 1\.3 refused: peer cannot do TLS 1\.3 or later", r"the program allows",
                      True),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--lib", required=True, choices=("openssl", "gnutls", "nss"))
    ap.add_argument("--only")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tg-maxcap-")
    tally = Tally()
    lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
    try:
        pk = pki.make(os.path.join(work, "pki"))
        db = os.path.join(work, "db")
        os.makedirs(db)
        if args.lib == "nss":
            subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"], check=True)
        for case, (lo, hi, text, want, never, reaches) in CASES.items():
            policy = os.path.join(work, re.sub(r"\W", "_", case) + ".policy")
            with open(policy, "w") as f:
                f.write("ca-file %s/ca.pem\n%s" % (pk, text))
            for shim in (False, True):
                name = "%s/%s/%s" % (args.lib, case, "shim" if shim else "noshim")
                if args.only and not re.search(args.only, name):
                    continue
                peer = servers.RecordingPeer(re.sub(r"\W", "_", name), pk, "good", lo, hi, work, ciphers="",
                                             close=True).start()
                log = os.path.join(work, re.sub(r"\W", "_", name) + ".log")
                open(log, "w").close()
                env = {k: v for k, v in os.environ.items() if not k.startswith(("TLSGUARD_", "LD_PRELOAD"))}
                if shim:
                    env.update(LD_PRELOAD=lib, TLSGUARD_POLICY=policy, TLSGUARD_LOG=log)
                marker = "MARKER-maxcap"
                try:
                    try:
                        r = subprocess.run(client(args.lib, peer.port, db), input=(marker + "\n").encode(),
                                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=8)
                    except subprocess.TimeoutExpired as e:  # tstclnt may wait on after its reply
                        r = subprocess.CompletedProcess(e.cmd, -1, e.stdout or b"", (e.stderr or b"") + b" timeout")
                    got = marker.encode() in peer.received(0, timeout=2.0)
                finally:
                    peer.stop()
                said = (r.stdout + r.stderr).decode(errors="replace")[-300:]
                blocks = [l for l in open(log).read().splitlines() if "action=block" in l]
                if not shim:
                    why = None if got == reaches else "without the shim the peer %s the marker: %s" % (
                        "never got" if reaches else "got", said)
                elif got:
                    why = "the peer got the marker with the shim: " + said
                elif len(blocks) != 1:
                    why = "want one block line, got %s (%s)" % (blocks, said)
                elif not re.search(want, blocks[0]) or re.search(never, blocks[0]):
                    why = "the block line names the wrong cause (want /%s/, never /%s/): %s" % (want, never, blocks[0])
                else:
                    why = None
                tally(name, why)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(tally.summary())


if __name__ == "__main__":
    main()
