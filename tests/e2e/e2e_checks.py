"""Checks of the e2e suite beyond the matrix (tests/e2e/run.py): trust-store
loading here; log destinations and `tlsguard run` in e2e_checks_run.py; the
process and the host (server side, syslog, two copies, secure execution,
/etc) in e2e_checks_host.py."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import cbuild  # noqa: E402  (tests/lib/cbuild.py: the C programs, made by make)
from tgtest import OpensslBuild  # noqa: E402
from e2e_model import PEERS, Client, indent, said  # noqa: E402
import trust_opens  # noqa: E402  (tests/e2e/trust_opens.py: default-store opens)
import e2e_checks_host  # noqa: E402
import e2e_checks_run  # noqa: E402
CHECK_PEERS = ["good13", "selfsigned", "untrusted"]


@dataclass
class CheckContext:
    runner: "Runner"
    servers: Dict[str, "Server"]
    tmp: str
    pki: str
    build: str
    clients: List[Client]
    builds: List[OpensslBuild]   # those whose clients were compiled
    found: List[OpensslBuild]    # every OpenSSL of the run

    def bins(self, ossl: str) -> str:
        """Where the C programs built against OpenSSL `ossl` are."""
        return cbuild.bin_dir(self.build, ossl)

    def port(self, peer: str) -> int:
        return self.servers[peer].port

    @property
    def good(self) -> str:
        """The port of the good peer (TLS 1.3, the test CA), as text."""
        return str(self.port("good13"))

    @property
    def bad(self) -> str:
        """The port of a peer every client is blocked from (self-signed), as text."""
        return str(self.port("selfsigned"))

    @property
    def cafile(self) -> str:
        return os.path.join(self.pki, "ca.pem")

    @property
    def tool(self) -> str:
        return os.path.join(self.build, "tlsguard")

    def env(self, client: Optional[Client] = None, shim: bool = True, **extra) -> Dict[str, str]:
        env = dict(self.runner.base_env)
        if client:
            env.update(client.env)
        if shim:
            env["LD_PRELOAD"] = self.runner.shim
        env.update(extra)
        return env

    def run(self, argv: List[str], env: Dict[str, str]):
        return self.runner.run_client(argv, env, b"")


def count_opens(trace: str, path: str) -> int:
    """openat() calls of `path` that succeeded, in an strace -f log."""
    n = 0
    with open(trace) as f:
        for line in f:
            if '"%s"' % path in line and "open" in line and "= -1" not in line:
                n += 1
    return n


def build_check_names(ossl: str) -> List[str]:
    """The checks extra_checks() makes for one OpenSSL's clients."""
    return ["%s/check/%s" % (ossl, n) for n in (
        "trust-store-loaded-once", "own-anchors-load-no-defaults", "clients-load-its-libssl")]


def links_own_libssl_checks(ctx: CheckContext):
    """Each compiled OpenSSL's C clients need its libssl by its own soname
    (libssl.so.10 for the CentOS 7 copy) and load it from its own lib dir:
    the cases run on it are about that library, not another found first."""
    checks = []
    for b in ctx.builds:
        if not b.tree:
            continue

        def check(b=b):
            prog = os.path.join(ctx.bins(b.name), "legacy_cb")
            soname = os.path.basename(b.libssl())
            dyn = subprocess.run(["readelf", "-d", prog], stdout=subprocess.PIPE).stdout.decode()
            if "[%s]" % soname not in dyn:
                return "%s does not need %s:\n%s" % (prog, soname, indent("readelf -d", dyn))
            env = ctx.env(ctx.clients and next(c for c in ctx.clients if c.ossl == b.name), shim=True,
                          LD_TRACE_LOADED_OBJECTS="1")
            rc, out, err = ctx.run([prog], env)
            want = "%s => %s" % (soname, os.path.join(b.libdir, soname))
            if want not in out or "libssl.so.3" in out:
                return "wanted '%s' among the loaded objects:\n%s" % (want, indent("ld.so", out + err))
            return None
        checks.append(("%s/check/clients-load-its-libssl" % b.name, check))
    return checks


def extra_checks(ctx: CheckContext):
    checks = []
    cafile = ctx.cafile

    def strace(argv, env, tag):
        trace = os.path.join(ctx.tmp, "strace-%s.txt" % tag)
        rc, out, err = ctx.run(["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace]
                               + argv, env)
        return rc, out, err, count_opens(trace, cafile)

    # The default store (here SSL_CERT_FILE) is read once per process, on the
    # first handshake that needs it — not per context, not at start-up, and
    # never for a program that brought its own anchors.
    compiled = {b.name for b in ctx.builds}
    for c in ctx.clients:
        if c.name != "roads:resume" or c.ossl not in compiled:
            continue
        roads = c.argv("localhost", 0, PEERS["good13"])[0]

        def once(c=c, roads=roads):
            rc, out, err, n = strace([roads, "localhost", str(ctx.port("good13")), "--road", "plain",
                                      "--connections", "5"], ctx.env(c), c.ossl + "-once")
            if rc != 0:
                return "client failed (exit %s):\n%s%s" % (rc, indent("stdout", out), indent("stderr", err))
            return None if n == 1 else "SSL_CERT_FILE opened %d times for 5 contexts, wanted 1" % n
        checks.append(("%s/check/trust-store-loaded-once" % c.ossl, once))

        def own(c=c, roads=roads):
            own_ca = os.path.join(ctx.tmp, "own-ca.pem")
            shutil.copyfile(cafile, own_ca)
            rc, out, err, n = strace([roads, "localhost", str(ctx.port("good13")), "--road",
                                      "private_ca", "--ca", own_ca, "--connections", "3"],
                                     ctx.env(c), c.ossl + "-own")
            if rc != 0:
                return "client failed (exit %s):\n%s%s" % (rc, indent("stdout", out), indent("stderr", err))
            return None if n == 0 else "the defaults were loaded (%d opens) for a program with its own CA" % n
        checks.append(("%s/check/own-anchors-load-no-defaults" % c.ossl, own))
    checks += links_own_libssl_checks(ctx)

    def startup():
        rc, out, err, n = strace([sys.executable, "-c",
                                  "import ssl; ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)"],
                                 ctx.env(), "startup")
        if rc != 0:
            return "python failed:\n" + said(rc, out, err)
        return None if n == 0 else "the default store was loaded without a handshake (%d opens)" % n
    checks.append(("ossl3/check/no-trust-store-at-startup", startup))
    checks += trust_opens.checks(ctx, indent)
    return checks + e2e_checks_run.checks(ctx) + e2e_checks_host.checks(ctx)
