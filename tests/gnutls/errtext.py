#!/usr/bin/env python3
"""GnuTLS error texts: tlsguard's words stand only for its block's error,
in the thread that got it, until that thread's next outcome.

    python3 tests/gnutls/errtext.py --build build [--only REGEX]

build/tests/gnutls_errtext (tests/gnutls/errtext.c) runs sessions in turn
against tests/lib/servers.py RecordingPeers (self-signed: bad; the test
CA's: good, trusted by the policy's ca-file) and prints gnutls_strerror of
each handshake's code, of the first failure's code in another thread, and
of the first failure's code again at the end. Cases:

  later-success   blocked, then a good session: the block's text names
                  tlsguard; another thread's, and the same code's text
                  after the success, are GnuTLS's own.
  other-refusal   blocked, then the program's own verify function refuses
                  a good peer: that error's text is GnuTLS's own.
  same-code       blocked, then GnuTLS's own check (gnutls_session_set_
                  verify_cert, no anchors) refuses a good peer with the
                  block's very code, GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
                  its text is GnuTLS's own.
  alert-later-success  a TLS 1.0-only peer answers the floor's ClientHello
                  with an alert: gnutls_alert_get_name of it names
                  tlsguard; another thread's, and the same alert's name
                  after a good session, are GnuTLS's own.
The controls (no shim): the careless session reaches the bad peer, and the
TLS 1.0-allowing one the TLS 1.0-only peer.
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


def lines_of(out, what="text"):
    return dict(re.findall(r"^(\S+) (?:rc=-?\d+ )?%s=(.*)$" % what, out, re.M))


def alert_why(out, blocks):
    """What is wrong with alert-later-success's output, None if nothing."""
    a = lines_of(out, "alert")
    if len(blocks) != 1 or "tlsguard" not in a.get("1", ""):
        return "the block's alert name does not name tlsguard: %s %s" % (blocks, out)
    if "tlsguard" in a.get("thread", "tlsguard"):
        return "another thread got tlsguard's alert name: " + out
    if not re.search(r"^2 rc=0 ", out, re.M):
        return "the good session failed: " + out
    if not a.get("again") or "tlsguard" in a["again"]:
        return "the alert's name after a good session is not GnuTLS's own: " + out
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tg-gterr-")
    tally = Tally()
    lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
    client = os.path.join(args.build, "tests", "gnutls_errtext")
    peers = []
    try:
        pk = pki.make(os.path.join(work, "pki"))
        policy = os.path.join(work, "base.policy")
        with open(policy, "w") as f:
            f.write("ca-file %s/ca.pem\n" % pk)
        bad = servers.RecordingPeer("bad", pk, "selfsigned", "TLSv1_2", "TLSv1_3", work, ciphers="").start()
        good = servers.RecordingPeer("good", pk, "good", "TLSv1_2", "TLSv1_3", work, ciphers="").start()
        old = servers.RecordingPeer("old", pk, "good", "TLSv1", "TLSv1", work).start()
        peers = [bad, good, old]
        env0 = {k: v for k, v in os.environ.items() if not k.startswith(("TLSGUARD_", "LD_PRELOAD"))}

        def run(name, steps, shim):
            log = os.path.join(work, name.replace("/", "_") + ".log")
            open(log, "w").close()
            env = dict(env0)
            if shim:
                env.update(LD_PRELOAD=lib, TLSGUARD_POLICY=policy, TLSGUARD_LOG=log)
            r = subprocess.run([client] + steps, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=20)
            return r.stdout.decode(errors="replace"), [l for l in open(log) if "action=block" in l]

        cases = []
        before = len(bad.records())
        out, _ = run("control", ["conn:%d" % bad.port], False)
        got = b"MARKER-1" in bad.received(before)
        cases.append(("errtext/noshim/selfsigned", None if got and "1 rc=0 " in out else
                      "the careless session did not reach the bad peer: " + out))
        before = len(old.records())
        out, _ = run("control-old", ["old:%d" % old.port], False)
        got = b"MARKER-1" in old.received(before)
        cases.append(("errtext/noshim/tls10-only", None if got and "1 rc=0 " in out else
                      "the TLS 1.0-allowing session did not reach the TLS 1.0-only peer: " + out))
        out, blocks = run("alert", ["old:%d" % old.port, "conn:%d" % good.port], True)
        cases.append(("errtext/alert-later-success/shim", alert_why(out, blocks)))
        for case, second in (("later-success", "conn"), ("other-refusal", "refuse"), ("same-code", "auto")):
            out, blocks = run(case, ["conn:%d" % bad.port, "%s:%d" % (second, good.port)], True)
            t = lines_of(out)
            if len(blocks) != 1 or "tlsguard" not in t.get("1", ""):
                why = "the block's own text does not name tlsguard: %s %s" % (blocks, out)
            elif "tlsguard" in t.get("thread", "tlsguard"):
                why = "another thread got tlsguard's text: " + out
            elif second != "conn" and (not re.search(r"^2 rc=-\d+ ", out, re.M) or "tlsguard" in t.get("2", "")):
                why = "the program's own refusal got tlsguard's text (or did not fail): " + out
            elif second == "auto" and not re.search(r"^2 rc=-348 ", out, re.M):
                why = "GnuTLS's own refusal is not the block's code: " + out
            elif second == "conn" and not re.search(r"^2 rc=0 ", out, re.M):
                why = "the good session failed: " + out
            elif "tlsguard" in t.get("again", "tlsguard"):
                why = "the block's text outlived a later outcome: " + out
            else:
                why = None
            cases.append(("errtext/%s/shim" % case, why))
        for name, why in cases:
            if args.only and not re.search(args.only, name):
                continue
            tally(name, why)
    finally:
        for p in peers:
            p.stop()
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(tally.summary())


if __name__ == "__main__":
    main()
