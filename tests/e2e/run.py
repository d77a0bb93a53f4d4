#!/usr/bin/env python3
"""End-to-end tests for tlsguard: real servers, real legacy clients, LD_PRELOAD.

    python3 tests/e2e/run.py --build build [--only REGEX] [--openssl NAMES] [--keep] [-j N] [--list]

Sets up a throw-away PKI (tests/lib/pki.py) and the OpenSSLs the clients run on:
ossl3 (the system's 3.0), ossl11 (Debian bullseye's 1.1.1, tests/lib/fetch-openssl11.sh),
ossl102, ossl101 and ossl102so10 (1.0.2u, 1.0.1e, and 1.0.2u under CentOS 7's
soname libssl.so.10, built once from ../shared/vendor by tests/lib/build-vendor.sh;
without the vendor folder one SKIP line says so and the rest runs). The cache
is $TLSGUARD_TEST_CACHE, else tests/.cache. It compiles the C clients of
tests/clients against each (its own headers, linked to its own libssl), starts
`openssl s_server -quiet` peers on 127.0.0.1 (the system OpenSSL 3; one set per
OpenSSL, so each runs in parallel; stdout records exactly the application bytes
received) and runs every client against every peer, without the shim (every
bad peer really is reachable: the suite tests something) and with
LD_PRELOAD=<build>/libtlsguard.so (bad peers are blocked, before a single
application byte is sent; good peers still work, silently).

Cases are named <openssl>/<client>/<shim|noshim>/<peer>, e.g.
ossl3/legacy_cb/shim/expired. Prints `ok   NAME`, `FAIL NAME: why` or
`skip NAME: why` (what that OpenSSL lacks), the counts per OpenSSL, then
`N passed, N failed, N skipped`; exits 1 if anything failed.

The C clients are made by make (tests/programs.mk) into <build>/tests/<openssl>/.

Adding cases: a client is a Client in make_clients() (e2e_clients.py), a peer a
Peer in PEERS (e2e_model.py), and a case a Case(client, peer, shim, expect, env)
from plan() (e2e_plan.py); Runner.run_case() (e2e_judge.py) knows how to judge
an Expect (connects or blocked, and the log line wanted). Checks that are not
one client against one peer are in e2e_checks*.py.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import pki as test_pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import cbuild  # noqa: E402  (tests/lib/cbuild.py: the C programs, made by make)
from tgtest import OLD_OPENSSLS, OpensslBuild, cache_dir, old_openssl_builds  # noqa: E402
from e2e_model import ALL_PEERS, Case, SkipCheck, server, sh  # noqa: E402
from e2e_clients import C_PROGRAMS, make_clients  # noqa: E402
from e2e_plan import plan, write_policies  # noqa: E402
from e2e_judge import Runner  # noqa: E402
from e2e_checks import CHECK_PEERS, CheckContext, build_check_names, extra_checks  # noqa: E402


ALL_OPENSSLS = ["ossl3", "ossl11"] + [o[0] for o in OLD_OPENSSLS]


def find_builds(args, wanted, report) -> List[OpensslBuild]:
    """The OpenSSLs to run on: the system's 3.0; 1.1.1 (fetched once); the
    1.0.x builds from ../shared/vendor (built once; absent vendor sources:
    one SKIP line, the rest runs). A failed fetch or build costs only its
    own cases. With --list nothing is fetched or built."""
    builds = [OpensslBuild("ossl3", "OpenSSL 3.0")]
    o11 = os.path.abspath(args.openssl11_cache)
    if "ossl11" in wanted:
        try:
            if not args.list:
                sh(["sh", os.path.join(TESTS, "lib", "fetch-openssl11.sh"), o11], "fetching OpenSSL 1.1.1")
            builds.append(OpensslBuild("ossl11", "OpenSSL 1.1.1", os.path.join(o11, "root"), o11,
                                       version=0x1010117f))
        except RuntimeError as e:
            report("ossl11/setup", str(e))
    old, skips, errors = old_openssl_builds(wanted, build=not args.list)
    for line in skips:
        print(line if line.startswith("SKIP") else "SKIP: " + line, flush=True)
    for name, text in errors:
        report("%s/setup" % name, text)
    return builds + old


def builds_to_compile(builds: List[OpensslBuild], cases: List[Case], only: Optional[str]):
    """The system's (the checks use its clients), and every other one some
    selected case or check runs on."""
    used = {c.client.ossl for c in cases}
    return [b for b in builds if b.name == "ossl3" or b.name in used or not only or
            any(re.search(only, n) for n in build_check_names(b.name))]


class Reporter:
    """Prints each verdict as it comes (from any thread) and counts them per
    OpenSSL (the case name's first part): passed, failed, skipped."""

    def __init__(self):
        self.counts: Dict[str, List[int]] = {}
        self.lock = threading.Lock()

    def __call__(self, name: str, why: Optional[str], skip: Optional[str] = None):
        with self.lock:
            n = self.counts.setdefault(name.split("/")[0], [0, 0, 0])
            if skip is not None:
                n[2] += 1
                print("skip %s: %s" % (name, skip), flush=True)
            elif why is None:
                n[0] += 1
                print("ok   %s" % name, flush=True)
            else:
                n[1] += 1
                print("FAIL %s: %s" % (name, why.rstrip("\n")), flush=True)

    def log(self, text: str):
        with self.lock:
            print(text.rstrip("\n"), flush=True)

    def summary(self, t_start: float) -> int:
        print("# %.1fs" % (time.monotonic() - t_start))
        for name in sorted(self.counts):
            print("# %s: %d passed, %d failed, %d skipped" % tuple([name] + self.counts[name]))
        passed, failed, skipped = (sum(n[i] for n in self.counts.values()) for i in range(3))
        print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
        return 1 if failed else 0


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="dir holding libtlsguard.so (default build)")
    ap.add_argument("--only", metavar="REGEX", help="run only cases whose name matches")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show every client's output, also when the case passed")
    ap.add_argument("-j", "--jobs", type=int, default=8,
                    help="peers tested in parallel (each peer's cases run in order)")
    ap.add_argument("--openssl", metavar="NAMES", default=",".join(ALL_OPENSSLS),
                    help="comma-separated OpenSSLs to run on (default: all of %s)" % ",".join(ALL_OPENSSLS))
    ap.add_argument("--openssl11-cache", default=os.path.join(cache_dir(), "openssl11"))
    args = ap.parse_args(argv)
    wanted = set(args.openssl.split(","))
    if wanted - set(ALL_OPENSSLS) or "ossl3" not in wanted:
        ap.error("--openssl takes names among %s, ossl3 included" % ",".join(ALL_OPENSSLS))
    return args, wanted


def compile_clients(args, builds, cases, report):
    """Makes the C clients against each OpenSSL some case needs. A build that
    does not compile costs its own cases, not the run (but the system's does).
    Returns the OpenSSLs compiled for and the cases left."""
    compiled = []
    for b in builds_to_compile(builds, cases, args.only):
        try:
            cbuild.build(args.build, b, C_PROGRAMS)
            compiled.append(b)
        except RuntimeError as e:
            if b.name == "ossl3":
                raise
            report("%s/setup" % b.name, str(e))
            cases = [c for c in cases if c.client.ossl != b.name]
    return compiled, cases


def start_servers(cases, tmp, pki, servers):
    """Servers per OpenSSL (each peer's cases run in order): the lanes run in
    parallel. Fills `servers` as they start (the caller stops them)."""
    needed = {(c.client.ossl, c.peer.name) for c in cases} | {("ossl3", p) for p in CHECK_PEERS}
    for key in sorted(needed, key=lambda k: (k[0], list(ALL_PEERS).index(k[1]))):
        servers[key] = server(ALL_PEERS[key[1]], tmp, pki, lane=key[0])
        servers[key].start()


def client_base_env(pki: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TLSGUARD_") and k not in (
               "LD_PRELOAD", "LD_LIBRARY_PATH", "OPENSSL_CONF", "SSL_CERT_DIR",
               "SSL_CERT_FILE", "CURL_CA_BUNDLE", "http_proxy", "https_proxy",
               "HTTPS_PROXY", "all_proxy", "ALL_PROXY")}
    env["SSL_CERT_FILE"] = os.path.join(pki, "ca.pem")  # the only way clients get the CA
    return env


def run_matrix(runner: Runner, cases: List[Case], jobs: int, report):
    """A peer's s_server handles one connection at a time, so a peer's cases
    run in order; different peers (and each OpenSSL's own peers) run in parallel."""
    groups: Dict[tuple, List[Case]] = {}
    for c in cases:
        groups.setdefault((c.client.ossl, c.peer.name), []).append(c)

    def run_group(group: List[Case]):
        for case in group:
            if runner.aborted:
                return
            if case.client.skip:
                report(case.name, None, skip=case.client.skip)
                continue
            try:
                why = runner.run_case(case)
            except Exception as e:  # a harness bug must not hide other results
                why = "harness error: %r" % e

            if runner.aborted:
                return  # its client was killed by the abort: no verdict
            report(case.name, why)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        # The longest groups first: the last to finish is then a short one.
        futures = [ex.submit(run_group, g) for g in sorted(groups.values(), key=len, reverse=True)]
        try:
            for f in futures:
                f.result()
        except KeyboardInterrupt:
            runner.kill_clients()
            raise


def run_checks(ctx: CheckContext, only: Optional[str], report):
    """Checks that are not one client against one peer, one after the other."""
    for name, check in extra_checks(ctx):
        if only and not re.search(only, name):
            continue
        try:
            why = check()
        except SkipCheck as e:
            print("skip %s: %s" % (name, e), flush=True)
            continue
        except Exception as e:
            why = "harness error: %r" % e
        report(name, why)


def on_term(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args, wanted = parse_args(argv)
    t_start = time.monotonic()
    shim = os.path.join(os.path.abspath(args.build), "libtlsguard.so")
    tmp = tempfile.mkdtemp(prefix="tlsguard-e2e-")
    servers: Dict[tuple, object] = {}   # (lane, peer name) -> its s_server
    runner: Optional[Runner] = None
    report = Reporter()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # even where a shell started us with SIGINT ignored

    try:
        builds = find_builds(args, wanted, report)
        clients = make_clients(tmp, builds, args.build)
        cases = plan(clients, tmp)
        if args.only:
            rx = re.compile(args.only)
            cases = [c for c in cases if rx.search(c.name)]
        if args.list:
            for c in cases:
                print(c.name)
            print("%d cases" % len(cases), file=sys.stderr)
            return 0

        pki = test_pki.make(os.path.join(tmp, "pki"))
        compiled, cases = compile_clients(args, builds, cases, report)
        write_policies(os.path.join(tmp, "policies"), pki)
        start_servers(cases, tmp, pki, servers)
        runner = Runner(servers, client_base_env(pki), shim)
        runner.verbose = args.verbose
        runner.verbose_log = report.log
        if runner.shim_problem and any(c.shim for c in cases):
            print("note: %s: every shim case fails" % runner.shim_problem, flush=True)
        run_matrix(runner, cases, args.jobs, report)

        print("# matrix: %.1fs" % (time.monotonic() - t_start), flush=True)
        main_servers = {p: srv for (lane, p), srv in servers.items() if lane == "ossl3"}
        run_checks(CheckContext(runner, main_servers, tmp, pki, os.path.abspath(args.build), clients,
                                compiled, builds), args.only, report)
    except KeyboardInterrupt:
        report("interrupted", "stopped by a signal")
    except RuntimeError as e:
        report("setup", str(e))
    finally:
        if runner:
            runner.kill_clients()
        for s in servers.values():
            s.stop()
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return report.summary(t_start)


if __name__ == "__main__":
    sys.exit(main())
