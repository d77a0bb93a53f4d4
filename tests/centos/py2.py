#!/usr/bin/env python3
"""The user's own case (issue 11, section 4): Python 2.7.6 on OpenSSL 1.0.1e
with requests 2.5.1, as on CentOS 6.7, against real peers.

    python3 tests/centos/py2.py --build build [--only REGEX] [--keep]

Builds Python 2.7.6 (linked to 1.0.1e) and requests from ../shared/vendor into
the test cache once (tests/lib/build-vendor.sh; SKIPs with one line when the
vendor folder is absent). Peers (tests/lib/peer_server.py) log the version
and cipher they negotiated and every byte received: TLS 1.0 only, 1.1 only,
1.2 only, 1.2+1.3, self-signed and wrong-name (both TLS 1.0-1.3). Clients
(tests/centos/py2_client.py): requests.post with verify=<test CA>,
requests.post with verify=False, urllib2.urlopen, httplib.HTTPSConnection,
ssl.wrap_socket(ssl_version=PROTOCOL_TLSv1). Every client x peer runs
without the shim (the report reproduced: TLS 1.0/1.1 and bad certificates
get the request) and with LD_PRELOAD (bad peers: refused, zero bytes at the
peer, one log line, and the exception the program sees names tlsguard, the
host, the port and the reason; TLS 1.2 peers still work).

Prints `ok NAME` / `FAIL NAME: why` per case (py2/<client>/<shim|noshim>/<peer>),
then the scenario table, then `N passed, N failed`; exits 1 on failure.
"""
import argparse
import os
import re
import shutil
import signal
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
from tgtest import vendor_build  # noqa: E402
import peers as P  # noqa: E402

CLIENTS = ["requests", "requests_noverify", "urllib2", "httplib", "wrap_tls1"]
_TLS1_ONLY = "a PROTOCOL_TLSv1 socket speaks TLS 1.0 only"
# Peers a client refuses by itself, without the shim (not a gap in the test:
# the other clients reach these peers).
NOSHIM_REFUSES = {
    ("requests", "selfsigned"): "requests verifies against the CA it is given",
    ("requests", "wrongname"): "requests (urllib3) checks the host name",
    ("wrap_tls1", "tls11"): _TLS1_ONLY,
    ("wrap_tls1", "tls12"): _TLS1_ONLY,
    ("wrap_tls1", "tls13"): _TLS1_ONLY,
}
NOSHIM_VERSION = {"tls10": "TLSv1 ", "tls11": "TLSv1.1 "}


def judge(client, peer, shim, rc, out, err, seen, nbytes, data, port):
    problems = []
    text = out.strip()
    marker = ("TLSGUARD-PAYLOAD %s\n" % client).encode()
    refuses = (client, peer.name) in NOSHIM_REFUSES
    if not shim and refuses:
        if rc != 1 or nbytes:
            problems.append("wanted the client to refuse by itself (%s)" % NOSHIM_REFUSES[client, peer.name])
        return problems
    if P.block_lines(err) and (not shim or peer.reason is None):
        problems.append("tlsguard logged a block")
    if not shim or peer.reason is None:
        if rc != 0:
            problems.append("exit %s, wanted 0" % rc)
        if marker not in data:
            problems.append("peer did not receive %r" % marker)
        want = NOSHIM_VERSION.get(peer.name) if not shim else "TLSv1.2 "
        if want and not seen.startswith(want):
            problems.append("peer negotiated %r, wanted %s" % (seen, want.strip()))
        return problems
    if rc != 1:
        problems.append("exit %s, wanted 1 (refused)" % rc)
    if nbytes:
        problems.append("peer received %d bytes from a blocked client" % nbytes)
    lines = P.block_lines(err)
    if len(lines) != 1 or "host=localhost" not in lines[0] or ("port=%d" % port) not in lines[0]:
        problems.append("wanted one block line naming host=localhost port=%d, got %d" % (port, len(lines)))
    want = "tlsguard: blocked host=localhost port=%d: " % port
    if want not in text:
        problems.append("the exception does not name tlsguard, host and port (%r)" % want)
    elif not re.search(peer.reason, text.split(want, 1)[1], re.I):
        problems.append("the exception's reason does not match /%s/" % peer.reason)
    return problems


def on_term(signum, frame):
    raise KeyboardInterrupt  # run the finally clauses: peers are stopped


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", metavar="REGEX")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)

    prefix, skip = vendor_build("python-2.7.6")
    if skip:
        print("py2: " + skip)
        return 0
    shim = os.path.join(os.path.abspath(args.build), "libtlsguard.so")
    python2 = os.path.join(prefix, "bin", "python2.7")
    client = os.path.join(HERE, "py2_client.py")
    tmp = tempfile.mkdtemp(prefix="tlsguard-py2-")
    passed = failed = 0
    rows = []
    servers = {}
    signal.signal(signal.SIGTERM, on_term)
    try:
        pki = P.make_pki(os.path.join(tmp, "pki"))
        servers = P.start_peers(list(P.PEERS), tmp, pki)
        env0 = P.base_env(pki)
        env0["PYTHONPATH"] = os.path.join(prefix, "requests")
        for cname in CLIENTS:
            for shim_on in (False, True):
                for pname, srv in servers.items():
                    name = "py2/%s/%s/%s" % (cname, "shim" if shim_on else "noshim", pname)
                    if args.only and not re.search(args.only, name):
                        continue
                    env = dict(env0)
                    if shim_on:
                        env["LD_PRELOAD"] = shim
                    before = len(srv.records())
                    rc, out, err = P.run([python2, client, cname, "localhost", str(srv.port),
                                          os.path.join(pki, "ca.pem")], env)
                    seen, nbytes, data = P.summarize(srv.new_records(before))
                    problems = judge(cname, srv.peer, shim_on, rc, out, err, seen, nbytes, data, srv.port)
                    rows.append((name, seen, nbytes, out.strip() or "(no output) " + err.strip()[-200:]))
                    if problems:
                        failed += 1
                        print("FAIL %s: %s\n    exit %s; peer saw %s, %d bytes\n    stdout: %s\n    stderr: %s"
                              % (name, "; ".join(problems), rc, seen, nbytes, out.strip(), err.strip()[-1500:]))
                    else:
                        passed += 1
                        print("ok   %s" % name)
    except RuntimeError as e:
        failed += 1
        print("FAIL py2/setup: %s" % e)
    except KeyboardInterrupt:
        failed += 1
        print("FAIL py2/interrupted: stopped by a signal")
    finally:
        for s in servers.values():
            s.stop()
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print("\n## Python 2.7.6 + OpenSSL 1.0.1e + requests 2.5.1: scenario table")
    print("| case | peer negotiated | bytes at peer | what the client printed |")
    print("|---|---|---|---|")
    for name, seen, nbytes, text in rows:
        print("| %s | %s | %d | %s |" % (name, seen, nbytes, text.replace("|", "\\|").replace("\n", " ")))
    print("\n%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
