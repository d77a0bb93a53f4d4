"""Real programs in the adversarial suite: openssl s_client (-sess_out/-sess_in
across names, per OpenSSL), python3 ssl (session=), stunnel4 as a TLS client,
ruby Net::HTTP with VERIFY_NONE, and the ex-data program (adv_exdata) compared
with and without the shim."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time

from cases import C_ERROR, MISMATCH, UNTRUSTED, Case, Srv, client, tls_versions, trio

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
from tgtest import free_port, is_listening, stop_group  # noqa: E402


def plan_s_client(ctx, v):
    """A session saved for attacker.test, offered with -servername victim.test (TLS 1.2)."""
    def steps(port, work):
        base = [v.openssl, "s_client", "-connect", "127.0.0.1:%d" % port, "-quiet", "-no_ign_eof"]
        sess = os.path.join(work, "sess.pem")
        return [(base + ["-servername", "attacker.test", "-sess_out", sess], b"ADV-FIRST\n"),
                (base + ["-servername", "victim.test", "-sess_in", sess], b"ADV-MARKER s_client\n")]
    return trio("%s/resume:s_client_sess_in/tls12" % v.name, v, steps, Srv("attacker", "1.2"),
                MISMATCH, ok_rc=None)


def plan_python(ctx, v):
    cases = []
    for tls in tls_versions(v):
        def steps(port, work, tls=tls):
            return [([sys.executable, os.path.join(HERE, "adv_session.py"), str(port), tls], b"")]
        cases += trio("%s/resume:python_session/tls%s" % (v.name, tls.replace(".", "")), v, steps,
                      Srv("attacker", tls), MISMATCH, errtext=r"tlsguard", want_out="session reused: yes")
    return cases


def plan_ruby(ctx, v):
    """Net::HTTP, verify_mode VERIFY_NONE: blocked with a log line, whichever
    callback (the shim's or Ruby's own hostname check) refused."""
    cases = []
    for label, cert, reason in (("wrongname", "attacker", MISMATCH), ("untrusted", "private_victim", UNTRUSTED)):
        def steps(port, work):
            return [(["ruby", os.path.join(HERE, "adv_http.rb"), str(port)], b"")]
        cases += trio("%s/ruby:verify_none/%s" % (v.name, label), v, steps, Srv(cert), reason,
                      errtext=None, ok_rc=None)
    return cases


def stunnel_run(ctx, case, work):
    """stunnel4 as a TLS client in front of the server; three connections
    through it (the later ones resume, with TLS 1.3 tickets)."""
    if not shutil.which("stunnel4"):
        return "SKIP stunnel4 is not installed (apt-get install stunnel4)"
    srv = ctx.Server(case.srv, work, ctx.server_bin, ctx.pki)
    lport = free_port()
    conf = os.path.join(work, "stunnel.conf")
    with open(conf, "w") as f:
        f.write("foreground = yes\npid =\ndebug = 4\n[adv]\nclient = yes\n"
                "accept = 127.0.0.1:%d\nconnect = 127.0.0.1:%d\nsni = victim.test\n" % (lport, srv.port))
    errf = os.path.join(work, "stunnel.err")
    env = ctx.client_env(ctx, case)
    with open(errf, "wb") as err:
        p = subprocess.Popen(["stunnel4", conf], stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                             env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while not is_listening(lport) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        for i in range(3):
            through_stunnel(lport, b"ADV-MARKER stunnel %d\n" % i)
        deadline = time.monotonic() + (0.3 if case.expect == "block" else 2.0)
        while srv.read_from().count(b"ADV-MARKER") < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        rc = p.poll()
    finally:
        stop_group(p)
        srv.stop()
    with open(errf, "rb") as f:
        log = f.read().decode(errors="replace")
    if rc is not None:
        return "stunnel4 died (exit %s): %r" % (rc, log[-300:])
    got = srv.read_from()
    if case.expect == "block":
        return ctx.judge_block(case, srv.port, None, "", log, got)
    if got.count(b"ADV-MARKER") != 3:
        return "%d of 3 markers arrived through stunnel4: %r" % (got.count(b"ADV-MARKER"), log[-300:])
    if case.expect == "connect" and "action=block" in log:
        return "stunnel4 to a good server was blocked: %r" % log[-300:]
    return None


def through_stunnel(lport, data):
    try:
        with socket.create_connection(("127.0.0.1", lport), timeout=3) as s:
            s.sendall(data)
            s.settimeout(0.4)
            try:
                s.recv(100)
            except OSError:
                pass
    except OSError:
        pass


def plan_stunnel(ctx, v):
    nop = lambda port, work: []  # noqa: E731
    name = "%s/stunnel:client" % v.name
    out = []
    for label, srv in (("good13", Srv("victim", "1.3")), ("good12", Srv("victim", "1.2"))):
        out += [Case("%s/%s/noshim" % (name, label), v, srv, nop, "reach", False, custom=stunnel_run),
                Case("%s/%s/shim-good" % (name, label), v, srv, nop, "connect", True, custom=stunnel_run)]
    for label, cert, reason in (("wrongname", "attacker", MISMATCH), ("untrusted", "private_victim", UNTRUSTED)):
        srv = Srv(cert, "1.3")
        out += [Case("%s/%s/noshim" % (name, label), v, srv, nop, "reach", False, custom=stunnel_run),
                Case("%s/%s/shim" % (name, label), v, srv, nop, "block", True, reason=reason,
                     errtext=None, custom=stunnel_run)]
    return out


EXDATA_LINE = re.compile(r"^exdata .*$", re.M)


def exdata_run(ctx, case, work):
    """The same run without and with the shim: the program's callbacks must see
    exactly the same (no dup of an empty slot, no foreign pointer, same counts)."""
    seen = {}
    for shim in (False, True):
        case.shim = shim
        srv = ctx.Server(case.srv, work, ctx.server_bin, ctx.pki)
        try:
            rc, out, err = ctx.run_steps(ctx, case, srv.port, work)
        finally:
            srv.stop()
        if rc == 77:
            return "SKIP " + out.strip().splitlines()[-1]
        if rc != 0:
            return "%s: exit %s (out: %r, err: %r)" % ("shim" if shim else "noshim", rc, out[-400:], err[-300:])
        seen[shim] = EXDATA_LINE.findall(out)
    case.shim = True
    if seen[False] != seen[True]:
        return "its callbacks saw other calls under the shim: %s vs without: %s" % (seen[True], seen[False])
    return None


def plan_exdata(ctx, v):
    cases = []
    for tls in tls_versions(v):
        srv = Srv("victim", tls)
        cases.append(Case("%s/exdata:ssl_ctx_session/tls%s/noshim" % (v.name, tls.replace(".", "")), v, srv,
                          client(v, "adv_exdata", "exdata"), "reach", False))
        cases.append(Case("%s/exdata:ssl_ctx_session/tls%s/compare" % (v.name, tls.replace(".", "")), v, srv,
                          client(v, "adv_exdata", "exdata"), "connect", True, custom=exdata_run))
    return cases


def plan_system(ctx, v):
    """Programs linked to the system OpenSSL 3 only."""
    return plan_python(ctx, v) + plan_stunnel(ctx, v) + plan_ruby(ctx, v)


__all__ = ["plan_s_client", "plan_exdata", "plan_system", "C_ERROR"]
