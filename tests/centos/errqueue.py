#!/usr/bin/env python3
"""Both ends of the OpenSSL error queue name tlsguard after a block.

    python3 tests/centos/errqueue.py --build build [--only REGEX] [--keep]

Python 2's ssl module reports the first error on the queue (ERR_get_error),
Python 3 and many C programs the last (ERR_peek_last_error). After a block
the queue must start and end with tlsguard's error, whose reason string says
the host, the port and why, with OpenSSL's own errors kept in between.

tests/clients/errqueue.c is built against OpenSSL 3.0 (the system's), 1.1.1
(tests/lib/fetch-openssl11.sh), 1.0.2u and 1.0.1e (from ../shared/vendor via
tests/lib/build-vendor.sh; each SKIPs with one line when that is absent), and
run on three roads (SSL_connect, SSL_do_handshake, an SSL BIO) against
peer_server.py peers: TLS 1.0 only, self-signed, wrong name (each first
without the shim: it really gets through), and TLS 1.2+1.3 (still works).
Python 3 (system) and Python 2.7.6 (on 1.0.1e) show the text they print.

Cases: errqueue/<openssl>/<road>/<shim|noshim>/<peer>, errqueue/python3|python2/<peer>.
Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`; exits 1 on failure.
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
sys.path.insert(0, HERE)
import cbuild  # noqa: E402  (tests/lib/cbuild.py: the C programs, made by make)
from tgtest import old_openssl_builds, openssl_builds, vendor_build  # noqa: E402
import peers as P  # noqa: E402

BAD = ["tls10", "selfsigned", "wrongname"]
GOOD = ["tls13"]
ROADS = ["connect", "handshake", "bio"]


def builds(build_dir):
    """[(name, binary, env)] and the skip lines of those that cannot be built
    (tests/clients/errqueue.c, made by make per OpenSSL)."""
    out, skips = [], []
    for b in openssl_builds():
        out.append((b.name, os.path.join(cbuild.build(build_dir, b, ["errqueue"]), "errqueue"), dict(b.env)))
    for what, name in (("openssl-1.0.2u", "ossl102"), ("openssl-1.0.1e", "ossl101e")):
        old, skip, errors = old_openssl_builds(["ossl101" if name == "ossl101e" else name])
        if errors:
            raise RuntimeError(errors[0][1])
        if not old:
            skips.append("errqueue/%s: %s" % (name, skip[0]))
            continue
        b = old[0]
        out.append((name, os.path.join(cbuild.build(build_dir, b, ["errqueue"]), "errqueue"), dict(b.env)))
    return out, skips


def names_block(line, port, reason):
    want = "tlsguard: blocked host=localhost port=%d: " % port
    return want in line and re.search(reason, line.split(want, 1)[1], re.I) is not None


def judge_queue(out, port, reason):
    """What is wrong with the queue errqueue printed after a block."""
    lines = out.splitlines()
    first = [l for l in lines if l.startswith("first: ")]
    last = [l for l in lines if l.startswith("last: ")]
    rest = [l for l in lines if l.startswith("rest: ")]
    problems = []
    if not first or not names_block(first[0], port, reason):
        problems.append("the first error (ERR_get_error) does not name tlsguard, host, port and reason: %r"
                        % (first[0] if first else None))
    if not last or not names_block(last[0], port, reason):
        problems.append("the last error (ERR_peek_last_error) does not name tlsguard, host, port and reason: %r"
                        % (last[0] if last else None))
    if not any("tlsguard" not in l for l in first + rest):
        problems.append("OpenSSL's own error was lost")
    return problems


def judge(shim, peer, rc, out, err, nbytes, data, port):
    problems = []
    if not shim or peer.reason is None:
        if rc != 0:
            problems.append("exit %s, wanted 0 (connected)" % rc)
        if b"TLSGUARD-PAYLOAD errqueue\n" not in data:
            problems.append("peer did not receive the payload")
        return problems
    if rc != 1:
        problems.append("exit %s, wanted 1: %s" % (rc, "NOT BLOCKED, payload sent" if rc == 0 else "?"))
    if nbytes:
        problems.append("peer received %d bytes from a blocked client" % nbytes)
    if rc == 1:
        problems += judge_queue(out, port, peer.reason)
    if len(P.block_lines(err)) != 1:
        problems.append("wanted one block line, got %d" % len(P.block_lines(err)))
    return problems


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def report(self, name, problems, detail=""):
        if problems:
            self.failed += 1
            print("FAIL %s: %s%s" % (name, "; ".join(problems), detail))
        else:
            self.passed += 1
            print("ok   %s" % name)


def run_c_cases(res, args, servers, env0, shim, tmp):
    bins, skips = builds(args.build)
    for line in skips:
        print(line)
    for name, exe, benv in bins:
        for road in ROADS:
            for shim_on in (False, True):
                for pname in (BAD if not shim_on else BAD + GOOD):
                    case = "errqueue/%s/%s/%s/%s" % (name, road, "shim" if shim_on else "noshim", pname)
                    if args.only and not re.search(args.only, case):
                        continue
                    srv = servers[pname]
                    env = dict(env0, **benv)
                    if shim_on:
                        env["LD_PRELOAD"] = shim
                    before = len(srv.records())
                    rc, out, err = P.run([exe, "localhost", str(srv.port), "--road", road], env)
                    seen, nbytes, data = P.summarize(srv.new_records(before))
                    problems = judge(shim_on, srv.peer, rc, out, err, nbytes, data, srv.port)
                    res.report(case, problems, "\n    exit %s; peer saw %s, %d bytes\n%s" % (
                        rc, seen, nbytes, "".join("    | %s\n" % l for l in (out + err).splitlines())))


def run_python_cases(res, args, servers, env0, shim):
    """The text each Python prints: Python 3 reads the last error, Python 2 the first."""
    pythons = [("python3", [sys.executable, os.path.join(TESTS, "clients", "py_client.py")], {})]
    prefix, skip = vendor_build("python-2.7.6")
    if skip:
        print("errqueue/python2: " + skip)
    else:
        pythons.append(("python2", [os.path.join(prefix, "bin", "python2.7"),
                                    os.path.join(HERE, "py2_client.py"), "wrap_tls1"],
                        {"PYTHONPATH": os.path.join(prefix, "requests")}))
    for pyname, argv, penv in pythons:
        for pname in BAD:
            case = "errqueue/%s/%s" % (pyname, pname)
            if args.only and not re.search(args.only, case):
                continue
            srv = servers[pname]
            env = dict(env0, LD_PRELOAD=shim, **penv)
            before = len(srv.records())
            rc, out, err = P.run(argv + ["localhost", str(srv.port)], env)
            seen, nbytes, _ = P.summarize(srv.new_records(before))
            problems = []
            if rc != 1 or nbytes:
                problems.append("exit %s with %d bytes at the peer, wanted a refusal" % (rc, nbytes))
            if not names_block(out, srv.port, srv.peer.reason):
                problems.append("the text it prints does not name tlsguard, host, port and reason")
            res.report(case, problems, "\n    stdout: %s" % out.strip())
            print("    %s prints: %s" % (pyname, out.strip()))


def on_term(signum, frame):
    raise KeyboardInterrupt  # run the finally clauses: peers are stopped


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", metavar="REGEX")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    shim = os.path.join(os.path.abspath(args.build), "libtlsguard.so")
    tmp = tempfile.mkdtemp(prefix="tlsguard-errqueue-")
    res = Results()
    servers = {}
    signal.signal(signal.SIGTERM, on_term)
    try:
        pki = P.make_pki(os.path.join(tmp, "pki"))
        servers = P.start_peers(BAD + GOOD, tmp, pki)
        env0 = P.base_env(pki)
        run_c_cases(res, args, servers, env0, shim, tmp)
        run_python_cases(res, args, servers, env0, shim)
    except (RuntimeError, subprocess.SubprocessError) as e:
        res.report("errqueue/setup", [str(e)])
    except KeyboardInterrupt:
        res.report("errqueue/interrupted", ["stopped by a signal"])
    finally:
        for s in servers.values():
            s.stop()
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
