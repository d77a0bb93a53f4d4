#!/usr/bin/env python3
"""NSS programs under tlsguard: real NSS clients against real bad peers.

    python3 tests/nss/run.py --build build [--only REGEX]

Peers are tests/lib/servers.py's RecordingPeer (tests/lib/peer_server.py:
Python's ssl, one thread per connection) on 127.0.0.1 with tests/lib/pki.py's
certificates; each records every application byte it receives and answers
one HTTP reply. Clients:
build/tests/nss_curl (libcurl-nss, as CentOS 6/7's curl: -k, -k with TLS 1.0
only, and plain with --cacert), build/tests/nss_careless (accept-everything
hooks, old versions allowed, handshake result ignored, writes anyway) and
tstclnt (-o: bad certificates overridden). Debian's /usr/bin/curl cannot run
on libcurl-nss (it needs the symbol version CURL_OPENSSL_4).

Cases are <client>/<shim|noshim>/<peer>. Without the shim every bad peer
receives the marker; with it a bad peer receives no byte and the log has one
block line naming tlsguard, the host, the port and the reason; a good peer
receives the marker; what the program prints names tlsguard, the port and the
reason when blocked, and never tlsguard otherwise. Then pins, audit and
min-protocol TLSv1.3.
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`.
"""

import argparse
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)

V = ssl.TLSVersion

# peer: (certificate, min, max, reason regex or None for a good peer)
PEERS = {
    "good13": ("good", V.TLSv1_3, V.TLSv1_3, None),
    "good12": ("good", V.TLSv1_2, V.TLSv1_2, None),
    "selfsigned": ("selfsigned", V.TLSv1_2, V.TLSv1_3, r"certificate verification failed"),
    "untrusted": ("untrusted", V.TLSv1_2, V.TLSv1_3, r"certificate verification failed: SEC_ERROR_UNKNOWN_ISSUER"),
    "wrongname": ("wrongname", V.TLSv1_2, V.TLSv1_3, r"not valid for"),
    "expired": ("expired", V.TLSv1_2, V.TLSv1_3, r"SEC_ERROR_EXPIRED_CERTIFICATE"),
    "tls10": ("good", V.TLSv1, V.TLSv1, r"protocol below TLS 1.2"),
    "tls11": ("good", V.TLSv1_1, V.TLSv1_1, r"protocol below TLS 1.2"),
}


def start_peer(name, pki_dir, work):
    """The peer `name`, closing after its reply (tstclnt waits for that);
    Python's default ciphers but for the old protocols' peers."""
    cert, lo, hi, _ = PEERS[name]
    return servers.RecordingPeer(name, pki_dir, cert, lo.name, hi.name, work,
                                 ciphers="DEFAULT:@SECLEVEL=0" if lo < V.TLSv1_2 else "", close=True).start()


def clients(build, db):
    curl, careless = os.path.join(build, "tests", "nss_curl"), os.path.join(build, "tests", "nss_careless")
    out = {
        "curl-k": lambda p, m, pki: [curl, "https://localhost:%d/%s" % (p, m), "insecure"],
        "curl-k-tls10": lambda p, m, pki: [curl, "https://localhost:%d/%s" % (p, m), "insecure", "tls10"],
        "careless-nourl": lambda p, m, pki: [careless, "127.0.0.1", str(p), m],
        "careless-url": lambda p, m, pki: [careless, "localhost", str(p), m, "url", "force"],
        "careless-tls10-weak": lambda p, m, pki: [careless, "localhost", str(p), m, "url", "tls10", "weak"],
    }
    if shutil.which("tstclnt"):
        out["tstclnt"] = lambda p, m, pki: ["tstclnt", "-d", "sql:" + db, "-h", "127.0.0.1", "-p", str(p),
                                            "-a", "localhost", "-o", "-V", "tls1.0:tls1.3"]
        out["tstclnt-tls10"] = out["tstclnt"]
    return out


def run(cmd, marker, env, ended=None):
    """The client's run. tstclnt sends stdin and then spins even after the
    peer's close (`ended`: the peer logged the connection, which it does once
    closed after its reply): it is stopped a second after that."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline, stop_at = time.monotonic() + 15, None
    try:
        proc.stdin.write((marker + "\n").encode())
        proc.stdin.close()
    except BrokenPipeError:  # it ended before reading: its output says why
        pass
    proc.stdin = None  # closed: communicate() below only reads
    while proc.poll() is None and time.monotonic() < deadline:
        if stop_at is None and ended and ended():
            stop_at = time.monotonic() + 1.0
        if stop_at is not None and time.monotonic() >= stop_at:
            break
        time.sleep(0.05)
    late = proc.poll() is None
    if late:
        proc.kill()
    out, err = proc.communicate()
    return subprocess.CompletedProcess(cmd, -1 if late else proc.returncode, out,
                                       err + (b" timeout" if late and stop_at is None else b""))


class Suite:
    def __init__(self, args, work):
        self.args, self.work, self.passed, self.failed = args, work, 0, 0
        self.pki = pki.make(os.path.join(work, "pki"))
        self.peers = {}
        self.db = os.path.join(work, "db")
        os.makedirs(self.db)
        subprocess.run(["certutil", "-N", "-d", "sql:" + self.db, "--empty-password"], check=True)
        self.lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))

    def policy(self, name, text):
        path = os.path.join(self.work, name + ".policy")
        with open(path, "w") as f:
            f.write("ca-file %s/ca.pem\n%s" % (self.pki, text))
        return path

    def env(self, shim, policy, log):
        e = dict(os.environ)
        for k in list(e):
            if k.startswith("TLSGUARD_") or k == "LD_PRELOAD":
                del e[k]
        if shim:
            e.update(LD_PRELOAD=self.lib, TLSGUARD_POLICY=policy, TLSGUARD_LOG=log)
        return e

    def check(self, name, why):
        if self.args.only and not re.search(self.args.only, name):
            return
        if why:
            self.failed += 1
            print("FAIL %s: %s" % (name, why))
        else:
            self.passed += 1
            print("ok %s" % name)

    def case(self, name, cmd_of, peer, shim, policy, reason, marker):
        if self.args.only and not re.search(self.args.only, name):
            return
        if peer not in self.peers:
            self.peers[peer] = start_peer(peer, self.pki, self.work)
        p = self.peers[peer]
        log = os.path.join(self.work, re.sub(r"\W", "_", name) + ".log")
        open(log, "w").close()
        before = len(p.records())
        prog = os.path.basename(cmd_of(0, marker, "")[0])
        ended = (lambda: len(p.records()) > before) if prog == "tstclnt" else None
        r = run(cmd_of(p.port, marker, self.pki), marker, self.env(shim, policy, log), ended)
        received = p.received(before)
        lines = [l for l in open(log).read().splitlines() if "action=" in l and "action=notice" not in l]
        got = marker.encode() in received
        self.check(name, judge(shim, reason, got, lines, p.port, received, r, exits=prog != "tstclnt",
                               wrote=len(marker) + 1 if prog in WRITERS else None))

    def stop(self):
        for p in self.peers.values():
            p.stop()


# The clients that print "wrote N" once their write of "MARKER\n" went
# through (tests/lib/nss_client.h: tg_nss_read_reply). tstclnt never exits
# by itself against these peers, with or without the shim (it spins after
# stdin's end and the peer's close_notify): its exit status says nothing.
WRITERS = ("nss_careless", "nss_roads")


def judge(shim, reason, got, lines, port, received, r, text=True, wrote=None, exits=True):
    said = (r.stdout + r.stderr).decode(errors="replace")
    tail = " (client rc %d: %s)" % (r.returncode, said[-300:])
    if "tlsguard:" in said and not (shim and reason):
        return "the program's own error names tlsguard" + tail
    if not shim:
        return None if got else "the peer never saw the marker without the shim" + tail
    if reason is None:
        if not got or [l for l in lines if "action=block" in l]:
            return "good peer did not get the marker or was blocked: %s%s" % (lines, tail)
        # The client itself saw it work: its whole request written, exit 0.
        if wrote is not None and not re.search(r"^wrote %d$" % wrote, r.stdout.decode(errors="replace"), re.M):
            return "the client did not report 'wrote %d'%s" % (wrote, tail)
        if exits and r.returncode != 0:
            return "the client exited %d on a good peer%s" % (r.returncode, tail)
        return None
    if received:
        return "blocked peer received %r" % received[:60]
    blocks = [l for l in lines if "action=block" in l]
    if len(blocks) != 1:
        return "want one block line, got %s%s" % (lines, tail)
    l = blocks[0]
    if not (l.startswith("tlsguard") and "port=%d" % port in l and re.search(r"host=\S", l)
            and re.search(reason, l)):
        return "block line lacks tlsguard/host/port/%r: %s" % (reason, l)
    # What the program prints (PR_ErrorToString) names tlsguard and the reason
    # (text=False: a road beneath NSS's SSL API, whose error is the layer's own).
    if not text:
        return None
    m = re.search(r"tlsguard: blocked host=\S+ port=%d: ([^\n]*)" % port, said)
    if not m or not re.search(reason, m.group(1)):
        return "the program's error does not name tlsguard, the port and /%s/%s" % (reason, tail)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tg-nss-")
    s = None
    try:
        s = Suite(args, work)
        base = s.policy("base", "")
        cl = clients(args.build, s.db)
        for cname, cmd in cl.items():
            for peer, (_, _, _, reason) in PEERS.items():
                if peer in ("tls10", "tls11") and "tls10" not in cname:
                    continue  # NSS's default range cannot reach them even without the shim
                if cname == "curl-k-tls10" and peer not in ("tls10", "good12"):
                    continue  # TLS 1.0 only: it reaches no other peer even without the shim
                for shim in (False, True):
                    if not shim and reason is None:
                        continue
                    s.case("%s/%s/%s" % (cname, "shim" if shim else "noshim", peer), cmd, peer, shim,
                           base, reason, "MARKER-" + peer)
        plain = lambda p, m, pki: [cl["curl-k"](p, m, pki)[0], "https://localhost:%d/%s" % (p, m),
                                   "cacert=" + os.path.join(pki, "ca.pem")]
        s.case("curl-plain/shim/good13", plain, "good13", True, base, None, "MARKER-plain")
        s.case("curl-plain/shim/wrongname", plain, "wrongname", True, base, r"not valid for", "MARKER-plain")
        extras(s, cl)
    finally:
        if s:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (s.passed, s.failed))
    sys.exit(1 if s.failed else 0)


def pin_of(s, name):
    return pki.pin(s.pki, name)


def ca_dirs(s, cl):
    """ca-dir, global and in a host block (no ca-file): a directory holding
    the CA's PEM file and an OpenSSL hash link to it."""
    d = os.path.join(s.work, "cadir")
    os.makedirs(d)
    shutil.copy(os.path.join(s.pki, "ca.pem"), os.path.join(d, "ca.pem"))
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", os.path.join(d, "ca.pem")],
                       stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    os.symlink("ca.pem", os.path.join(d, h + ".0"))
    for name, text in (("cadir", "ca-dir %s\n" % d), ("cadir-host", "host localhost\n    ca-dir %s\n" % d)):
        path = os.path.join(s.work, name + ".policy")
        with open(path, "w") as f:
            f.write(text)
        s.case("careless-url/%s/good13" % name, cl["careless-url"], "good13", True, path, None, "MARKER-dir")
        s.case("careless-url/%s/untrusted" % name, cl["careless-url"], "untrusted", True, path,
               PEERS["untrusted"][3], "MARKER-dir")


def extras(s, cl):
    ca_dirs(s, cl)
    for cname in ("curl-k", "careless-url"):
        cmd = cl[cname]
        good_pin = s.policy("pin-ok", "host localhost\n    pin %s\n" % pin_of(s, "ca"))
        bad_pin = s.policy("pin-bad", "host localhost\n    pin %s\n" % pin_of(s, "otherca"))
        s.case(cname + "/pins/match", cmd, "good13", True, good_pin, None, "MARKER-pin")
        s.case(cname + "/pins/mismatch", cmd, "good13", True, bad_pin, r"pin mismatch", "MARKER-pin")
        audit = s.policy("audit", "mode audit\n")
        s.case(cname + "/audit/selfsigned", cmd, "selfsigned", True, audit, None, "MARKER-audit")
        tls13 = s.policy("tls13", "min-protocol TLSv1.3\n")
        s.case(cname + "/tls13floor/good13", cmd, "good13", True, tls13, None, "MARKER-13")
        s.case(cname + "/tls13floor/good12", cmd, "good12", True, tls13, r"protocol below TLS 1.3", "MARKER-13")


if __name__ == "__main__":
    main()
