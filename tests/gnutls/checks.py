"""tests/gnutls's checks that are not one client against one peer: the
same-name resumption really resumes, a GnuTLS server gets the floor,
`tlsguard run --report` and `tlsguard report`, the trust cache's opens. Each
takes the driver's Suite and returns None when it passed, else why not.
python3 standard library only."""

import os
import re
import shutil
import subprocess
import sys
import threading
from typing import Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from tgtest import free_port, is_listening, stop_group  # noqa: E402
from peers import LEGACY  # noqa: E402

CLIENT_TIMEOUT = 30


def check_resumed(s) -> Optional[str]:
    """The same-name resumption really resumes under the shim (else the
    ticket marks are never used and the case above proves nothing)."""
    peer = s.peers["good12"]
    argv = [s.clients["careless_direct"].argv(0, "")[0], "localhost", str(peer.port),
            "tgmark-resumed", "resume", "localhost"]
    pol = os.path.join(s.tmp, "resume.policy")
    with open(pol, "w") as f:
        f.write("ca-file %s\n" % os.path.join(s.pki, "ca.pem"))
    env = dict(os.environ, LD_PRELOAD=os.path.join(s.build, "libtlsguard.so"),
               TLSGUARD_POLICY=pol, TLSGUARD_LOG="none")
    out = subprocess.run(argv, env=env, stdout=subprocess.PIPE, timeout=CLIENT_TIMEOUT).stdout
    return None if b"resumed=1" in out else "second connection did not resume: %r" % out[-300:]


def check_server(s, shim: bool, client_version: str, want_ok: bool) -> Optional[str]:
    """A GnuTLS server (gnutls-serv, priority NORMAL:+VERS-TLS1.0) gets the
    protocol floor too: `openssl s_client -tls1` is refused under the shim,
    accepted without it; TLS 1.2 works either way."""
    port = free_port()
    env = dict(os.environ, TLSGUARD_LOG="none")
    if shim:
        env["LD_PRELOAD"] = os.path.join(s.build, "libtlsguard.so")
    srv = subprocess.Popen(["gnutls-serv", "--x509certfile", os.path.join(s.pki, "good.pem"),
                            "--x509keyfile", os.path.join(s.pki, "good.key"), "-p", str(port),
                            "--priority", "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1"], env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(500):
            if is_listening(port) or srv.poll() is not None:
                break
            threading.Event().wait(0.01)
        res = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                              client_version, "-cipher", LEGACY], input=b"",
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT)
    finally:
        stop_group(srv)
    out = res.stdout.decode(errors="replace")
    ok = re.search(r"Protocol\s*: TLSv1", out) is not None and "alert" not in out
    if ok != want_ok:
        return "want %s, got: %s" % ("a handshake" if want_ok else "a refusal", out[-300:])
    return None


def check_run_report(s) -> Optional[str]:
    """`tlsguard run --report=json --fail-on block` around GnuTLS programs: the
    tree's connections in the report (a blocked one and an allowed one, by
    gnutls-cli and roads.c gnutls_init(0)), exit 3 for the block."""
    tg = os.path.join(s.build, "tlsguard")
    pol = os.path.join(s.tmp, "run-report.policy")
    with open(pol, "w") as f:
        f.write("ca-file %s\n" % os.path.join(s.pki, "ca.pem"))
    bad, good = s.peers["selfsigned"].port, s.peers["good13"].port
    roads = os.path.join(s.build, "tests", "gnutls_roads")
    script = "echo x | gnutls-cli --insecure -p %d localhost; %s localhost %d tgmark-rr init0" % (
        bad, roads, good)
    report = os.path.join(s.tmp, "run-report.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "TLSGUARD"))}
    res = subprocess.run([tg, "run", "--policy", pol, "--log", "none", "--report=json",
                          "--report-file", report, "--fail-on", "block", "--", "sh", "-c", script],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=2 * CLIENT_TIMEOUT)
    text = open(report).read() if os.path.exists(report) else ""
    if res.returncode != 3 or str(bad) not in text or str(good) not in text \
            or "block" not in text or "self" not in text:
        return "want exit 3 and both connections in the report: rc=%d %s %s" % (
            res.returncode, text[-400:], res.stderr[-200:])
    return None


def check_trust_cache(s) -> Optional[str]:
    """Each host block's ca-file is loaded once per process, however many
    blocks the policy has (the cache once stopped at 16 pairs: past them a
    trust list was built, and leaked, on every connection). roads.c `hosts`
    connects to h1..h20.example, then h20 three times more; strace counts
    the opens of h20's ca-file."""
    if not shutil.which("strace"):
        return None
    roads = os.path.join(s.build, "tests", "gnutls_roads")
    pol = os.path.join(s.tmp, "hosts.policy")
    with open(os.path.join(s.pki, "ca.pem")) as f:
        ca = f.read()
    with open(pol, "w") as f:
        for i in range(1, 21):
            path = os.path.join(s.tmp, "ca-h%d.pem" % i)
            with open(path, "w") as out:
                out.write(ca)
            f.write("host h%d.example\n    ca-file %s\n" % (i, path))
    trace = os.path.join(s.tmp, "hosts.strace")
    env = dict(os.environ, LD_PRELOAD=os.path.join(s.build, "libtlsguard.so"),
               TLSGUARD_POLICY=pol, TLSGUARD_LOG="none", ROADS_HOSTS="20")
    res = subprocess.run(["strace", "-f", "-e", "trace=open,openat", "-o", trace, roads,
                          "localhost", str(s.peers["good13"].port), "tgmark-hosts", "hosts"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=4 * CLIENT_TIMEOUT)
    if not os.path.exists(trace):
        return None if b"ptrace" in res.stderr else "strace failed: %r" % res.stderr[-200:]
    opens = [ln for ln in open(trace) if "ca-h20.pem" in ln and "= -1" not in ln]
    first = [ln for ln in open(trace) if "ca-h1.pem" in ln and "= -1" not in ln]
    if len(opens) != 1 or len(first) != 1:
        return "want each ca-file opened once, h1: %d, h20: %d" % (len(first), len(opens))
    return None


def check_report(s) -> Optional[str]:
    """`tlsguard report` reads the GnuTLS backend's lines like OpenSSL's."""
    peer = s.peers["selfsigned"]
    log = os.path.join(s.tmp, "report.log")
    env = dict(os.environ, LD_PRELOAD=os.path.join(s.build, "libtlsguard.so"), TLSGUARD_LOG=log)
    subprocess.run(["gnutls-cli", "--insecure", "-p", str(peer.port), "localhost"], env=env,
                   input=b"x\n", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=CLIENT_TIMEOUT)
    res = subprocess.run([os.path.join(s.build, "tlsguard"), "report", "--json", log],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = res.stdout.decode(errors="replace")
    if res.returncode != 0 or "localhost" not in text or str(peer.port) not in text \
            or "block" not in text or "self" not in text:
        return "report does not show the block: rc=%d %s" % (res.returncode, text[-400:])
    return None


# (name, check): run after the cases.
CHECKS = [("careless_resume/shim/good12/resumes", check_resumed),
          ("report/shim/selfsigned", check_report),
          ("trust_cache/shim/h1-h20", check_trust_cache),
          ("run_report/shim/selfsigned+good13", check_run_report),
          ("server/noshim/tls1", lambda s: check_server(s, False, "-tls1", True)),
          ("server/shim/tls1", lambda s: check_server(s, True, "-tls1", False)),
          ("server/shim/tls1_1", lambda s: check_server(s, True, "-tls1_1", False)),
          ("server/shim/tls1_2", lambda s: check_server(s, True, "-tls1_2", True))]
