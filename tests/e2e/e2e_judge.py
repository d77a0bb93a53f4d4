"""How the e2e suite runs one case and judges it (tests/e2e/run.py)."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from e2e_model import (CLIENT_TIMEOUT, LOG_PREFIX, NEGATIVE_WAIT, POSITIVE_WAIT, Case, Client,  # noqa: E402
                       indent)
from servers import Listener as Server  # noqa: E402
class Runner:
    def __init__(self, servers: Dict[str, Server], base_env: Dict[str, str], shim: str):
        self.servers = servers
        self.base_env = base_env
        self.shim = shim
        self.shim_problem = None if os.path.isfile(shim) else "%s does not exist" % shim
        self.aborted = False
        self.verbose = False
        self.verbose_log = print
        self._procs = set()
        self._lock = threading.Lock()

    def kill_clients(self):
        self.aborted = True
        with self._lock:
            for p in list(self._procs):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def run_client(self, argv: List[str], env: Dict[str, str], stdin: bytes):
        """Returns (exit code or None on timeout, stdout text, stderr text)."""
        try:
            p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            return None, "", "cannot run %s: %s" % (argv[0], e)
        with self._lock:
            self._procs.add(p)
        try:
            out, err = p.communicate(stdin, timeout=CLIENT_TIMEOUT)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            rc = None
        finally:
            with self._lock:
                self._procs.discard(p)
        return rc, out.decode(errors="replace"), err.decode(errors="replace")

    def run_case(self, case: Case):
        """Runs one client against one peer; returns None when the case passed,
        else the reason it failed (with the client's output)."""
        client, peer, expect = case.client, case.peer, case.expect
        server = self.servers[(client.ossl, peer.name)]
        if case.shim and self.shim_problem:
            return "no shim: " + self.shim_problem
        env = dict(self.base_env)
        env.update(client.env)
        env.update(case.env)
        if case.shim:
            env["LD_PRELOAD"] = self.shim
        argv = client.argv(client.host, server.port, peer)

        before = server.size()
        t0 = time.monotonic()
        rc, out, err = self.run_client(argv, env, client.stdin)
        elapsed = time.monotonic() - t0

        if expect.connects:
            deadline = time.monotonic() + POSITIVE_WAIT
            while client.marker not in server.read_from(before) and time.monotonic() < deadline:
                time.sleep(0.02)
        else:
            time.sleep(NEGATIVE_WAIT)
        got = server.read_from(before)

        problems = judge(case, rc, out, err, got, server.port)
        if not problems:
            if self.verbose:
                self.verbose_log("  %s: exit %s, server got %r\n%s%s" % (
                    case.name, rc, got[:80], indent("stdout", out), indent("stderr", err)))
            return None
        return "%s\n    argv: %s\n    exit: %s after %.2fs; server received %d bytes: %r\n%s%s" % (
            "; ".join(problems), " ".join(argv), "timeout" if rc is None else rc, elapsed,
            len(got), got[:200], indent("stdout", out), indent("stderr", err))



def judge(case: Case, rc, out: str, err: str, got: bytes, port: int) -> List[str]:
    """Every way the run differs from what the case expects."""
    client, expect = case.client, case.expect
    problems = []
    if "cannot be preloaded" in err:
        problems.append("the shim was not loaded")
    log_lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX)]
    if case.shim:
        problems += what_the_shim_left(client, out)

    if expect.connects:
        if rc not in client.ok_codes:
            problems.append("exit %s, wanted %s" % ("timeout" if rc is None else rc,
                                                      "/".join(map(str, client.ok_codes))))
        if client.marker not in got:
            problems.append("server did not record %r" % client.marker)
        if expect.out_contains and out.count(expect.out_contains) < expect.out_count:
            problems.append("client output has %r %d time(s), wanted %d" % (
                expect.out_contains, out.count(expect.out_contains), expect.out_count))
        if expect.log_action is None:
            if log_lines:
                problems.append("tlsguard logged on a connection it should allow")
        else:
            problems += check_log(case, log_lines, port)
        return problems

    # Blocked: failed, nothing reached the server, exactly one log line, the
    # error queue names tlsguard.
    if rc is None:
        problems.append("client timed out instead of failing")
    elif rc == 0 or rc in client.ok_codes:
        problems.append("client exited %d: it thinks it succeeded" % rc)
    if got:
        problems.append("server received %d bytes from a blocked client" % len(got))
    if expect.log_action is None:  # failed by itself: the log must not say otherwise
        lies = [l for l in log_lines if expect.not_reason and re.search(expect.not_reason, l)]
        if lies:
            problems.append("tlsguard's log gives a reason that is not what happened: %s" % lies[0])
        return problems
    problems += check_log(case, log_lines, port)
    if client.errqueue_names_tlsguard and "tlsguard" not in out:
        problems.append("client output does not name tlsguard (error queue / exception text)")
    if client.prints_ssl_get_error and "SSL_get_error=1" not in out:
        problems.append("failing call's SSL_get_error is not 1 (SSL_ERROR_SSL)")
    return problems


def what_the_shim_left(client: Client, out: str) -> List[str]:
    """What the shim must never do to a program, seen in its output: set an
    option bit its libssl gives another meaning, leave a verify result its
    libssl has no text for."""
    problems = []
    for m in re.finditer(r"^options 0x([0-9a-f]+)$", out, re.M):
        bits = int(m.group(1), 16) & client.foreign_options
        if bits:
            problems.append("option bit 0x%x was set, which this OpenSSL reads as another option "
                            "(1.0.x: SSL_OP_NETSCAPE_CA_DN_BUG)" % bits)
            break
    m = re.search(r"^verify result: (\d+) \((error number \d+)\)", out, re.M)
    if m:
        problems.append("SSL_get_verify_result is %s, a code this OpenSSL does not define (its text: %r)"
                        % m.groups())
    return problems


def check_log(case: Case, log_lines: List[str], port: int) -> List[str]:
    action = case.expect.log_action
    mine = [l for l in log_lines if re.search(r"\baction=%s\b" % re.escape(action), l)]
    if len(mine) != 1:
        return ["wanted exactly one '%saction=%s' line on stderr, found %d"
                % (LOG_PREFIX, action, len(mine))]
    line, problems = mine[0], []
    host = case.client.log_host or case.client.host
    if not re.search(r'\bhost="?%s"?(\s|$)' % re.escape(host), line):
        problems.append("log line lacks host=%s" % host)
    if case.client.port_known:
        if not re.search(r"\bport=%d(\s|$)" % port, line):
            problems.append("log line lacks port=%d" % port)
    else:  # the port may be unknown to the shim, but must never be a wrong one
        m = re.search(r"\bport=(\d+)", line)
        if m and int(m.group(1)) != port:
            problems.append("log line has port=%s, the peer is on %d" % (m.group(1), port))
    m = re.search(r'\breason="([^"]*)"', line)
    if not m:
        problems.append('log line lacks reason="..."')
    elif case.expect.reason and not re.search(case.expect.reason, m.group(1), re.I):
        problems.append("reason %r does not match /%s/i" % (m.group(1), case.expect.reason))
    return problems


