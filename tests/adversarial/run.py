#!/usr/bin/env python3
"""The adversarial suite of tlsguard (issue 10): careless and hostile legacy
programs against a hostile server of our own, on every OpenSSL we have.

    python3 tests/adversarial/run.py [--build DIR] [--only REGEX] [-j N] [--list] [--keep]
                                     [--table] [--audit-mutation]

--build is the shim's build directory (default: build/ of this checkout); it
may be another checkout's (the suite runs from any cwd). Every road has its
control: without the shim the program really reaches the bad server (the
marker "ADV-MARKER" arrives at the server, which logs every application byte);
with LD_PRELOAD=<build>/libtlsguard.so not one marker byte arrives, a
`tlsguard: ... action=block host=H port=P ... reason="..."` line is logged, and
where the program prints its error queue, the text names tlsguard. Good servers
still work under the shim (the road is closed, not broken).

Case names: <openssl>/<road family>:<road>[/<variant>]/<noshim|shim|shim-good|compare>.
Prints `ok NAME`, `FAIL NAME: why`, `SKIP NAME: why`, then
`N passed, N failed, N skipped`; exits 1 if anything failed. --table adds the
road x OpenSSL matrix. --audit-mutation is the suite's own check: it runs only
the block cases, with `mode audit` in the shim's policy (the shim then blocks
nothing), and passes a case only when it fails there: it can see a leak.
The cases are planned in cases.py and programs.py; the C clients (adv_*.c)
and the server (adv_server.c) say in their heads what each road does.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
sys.path.insert(0, HERE)
import cases as plan_mod  # noqa: E402
import cbuild  # noqa: E402  (tests/lib/cbuild.py: the C programs, made by make)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)

STEP_TIMEOUT = 10.0     # seconds per client command
POSITIVE_WAIT = 2.0     # how long a reaching client's marker may take to be logged
NEGATIVE_WAIT = 0.3     # after a blocked client exits, how long we watch the server
MARKER = b"ADV-MARKER"
BLOCK_LINE = re.compile(r'tlsguard: .*action=block host=(\S*) port=(\S*) .*reason="([^"]*)"')


def Server(spec, work, binary, pki):
    """adv_server on 127.0.0.1 (system OpenSSL 3, never under the shim), started:
    it picks its port and says so; every application byte goes to work/bytes.log."""
    log = os.path.join(work, "bytes.log")
    cmd = [binary, "--cert", os.path.join(pki, spec.cert + ".pem"),
           "--key", os.path.join(pki, spec.cert + ".key"), "--tls", spec.tls, "--log", log]
    if spec.push:
        cmd.append("--push")
    if spec.early:
        cmd.append("--early")
    if spec.no_tickets:
        cmd.append("--no-tickets")
    if spec.reneg:
        cmd += ["--reneg-cert", os.path.join(pki, spec.reneg + ".pem"),
                "--reneg-key", os.path.join(pki, spec.reneg + ".key")]
    srv = servers.Listener("adv_server", lambda port: cmd, log, os.path.join(work, "server.err"),
                           stdin=subprocess.DEVNULL, ready="port-line")
    return srv.start()


def client_env(ctx, case):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "TLSGUARD"))}
    env.update(ctx.base_env)
    env.update(case.ver.env)
    env.update(case.env)
    if case.shim:
        env["LD_PRELOAD"] = ctx.lib
        if ctx.audit_mutation:
            env["TLSGUARD_POLICY"] = audit_policy(ctx, env.get("TLSGUARD_POLICY"))
    return env


def audit_policy(ctx, base):
    """--audit-mutation: the case's policy (or none) with `mode audit` in front:
    the shim then blocks nothing, and every block case must notice."""
    text = "mode audit\n"
    if base:
        with open(base) as f:
            text += f.read()
    fd, path = tempfile.mkstemp(prefix="audit-", suffix=".policy", dir=ctx.tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def run_steps(ctx, case, port, work):
    """Runs the case's commands in order; returns (rc of the last, stdout, stderr)."""
    env = client_env(ctx, case)
    out = err = ""
    rc = None
    for argv, stdin in case.steps(port, work):
        run_env = env
        if case.wrap:   # the wrapper puts LD_PRELOAD on the program only
            argv = case.wrap(argv, env)
            run_env = {k: v for k, v in env.items() if k != "LD_PRELOAD"}
        try:
            p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=run_env, timeout=STEP_TIMEOUT, cwd=work)
            rc = p.returncode
            out += p.stdout.decode(errors="replace")
            err += p.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            rc = "timeout"
            out += (e.stdout or b"").decode(errors="replace")
            err += (e.stderr or b"").decode(errors="replace")
    return rc, out, err


def judge_block(case, port, rc, out, err, got):
    if isinstance(rc, int) and rc < 0:
        return "the program crashed (signal %d)" % -rc
    if rc == "timeout":
        return "the program hung (killed after %.0f s)" % STEP_TIMEOUT
    if MARKER in got:
        return "the marker reached the server under the shim (%d bytes)" % len(got)
    lines = BLOCK_LINE.findall(err)
    if not lines:
        return "no `tlsguard: ... action=block` line (stderr: %r)" % err[-300:]
    host, lport, reason = lines[-1]
    if case.host and host != case.host:
        return "the log line names host=%s, not %s" % (host, case.host)
    if lport != str(port):
        return "the log line names port=%s, not %d" % (lport, port)
    if case.reason and not re.search(case.reason, reason, re.I):
        return "reason %r does not match /%s/" % (reason, case.reason)
    # The error text the program shows (its queue or exception), not the log line.
    shown = out + "".join(l for l in err.splitlines(True) if not l.startswith("tlsguard: "))
    if case.errtext and not re.search(case.errtext, shown):
        return "the program's error text does not name tlsguard /%s/ (out: %r)" % (case.errtext, out[-300:])
    return None


def judge(case, port, rc, out, err, got):
    """None when the case holds, else why not."""
    if rc == 77:
        return "SKIP " + (out.strip().splitlines() or ["skipped"])[-1]
    if case.expect == "block":
        return judge_block(case, port, rc, out, err, got)
    if isinstance(rc, int) and rc < 0:
        return "the program crashed (signal %d)" % -rc
    if rc == "timeout":
        return "the program hung (killed after %.0f s)" % STEP_TIMEOUT
    if MARKER not in got:
        return "the marker never reached the server (rc=%s, out: %r, err: %r)" % (rc, out[-300:], err[-300:])
    if case.want_out and not re.search(case.want_out, out):
        return "its output lacks /%s/: %r" % (case.want_out, out[-300:])
    if case.expect == "connect" and "action=block" in err:
        return "a good server was blocked: %r" % err[-300:]
    if case.ok_rc is not None and rc not in case.ok_rc:
        return "exit %s (out: %r)" % (rc, out[-300:])
    return None


def wait_for_marker(srv, secs):
    """The server logs in its own thread: give a marker that much time to show."""
    deadline = time.monotonic() + secs
    while MARKER not in srv.read_from() and time.monotonic() < deadline:
        time.sleep(0.02)


def run_case(ctx, case):
    work = tempfile.mkdtemp(prefix="case-", dir=ctx.tmp)
    start = time.monotonic()
    if case.custom:
        why = case.custom(ctx, case, work)
    else:
        srv = Server(case.srv, work, ctx.server_bin, ctx.pki)
        try:
            rc, out, err = run_steps(ctx, case, srv.port, work)
            wait_for_marker(srv, NEGATIVE_WAIT if case.expect == "block" else POSITIVE_WAIT)
            why = judge(case, srv.port, rc, out, err, srv.read_from())
        finally:
            srv.stop()
    return case, why, time.monotonic() - start


def build(ctx, vers):
    """Makes the server once and the clients per OpenSSL (tests/programs.mk)."""
    ossl3 = next(v.ossl for v in ctx.vers if v.name == "ossl3")
    ctx.server_bin = os.path.join(cbuild.build(ctx.build, ossl3, ["adv_server"]), "adv_server")
    progs = plan_mod.CLIENTS + ["adv_plugin.so", "adv_deepbind"]
    for v in vers:
        v.bin = cbuild.build(ctx.build, v.ossl, progs, jobs=2)


class Ctx:
    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"), help="the shim's build dir")
    ap.add_argument("--only", help="run only cases whose name matches this regex")
    ap.add_argument("-j", type=int, default=2, help="cases run in parallel (default 2)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--audit-mutation", action="store_true",
                    help="self-check: run only the block cases with the shim in audit mode; "
                         "each must then fail (it can see a leak)")
    ap.add_argument("--table", action="store_true", help="end with a road x OpenSSL table")
    args = ap.parse_args()

    ctx = Ctx()
    ctx.Server, ctx.run_steps, ctx.client_env, ctx.judge_block = Server, run_steps, client_env, judge_block
    ctx.audit_mutation = args.audit_mutation
    ctx.lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
    if not os.path.exists(ctx.lib):
        print("FAIL setup: %s is missing (make first)" % ctx.lib)
        print("0 passed, 1 failed")
        return 1
    ctx.tmp = tempfile.mkdtemp(prefix="tlsguard-adv-")
    t0 = time.monotonic()
    try:
        vers, skips = plan_mod.versions()
        ctx.vers, ctx.build = vers, args.build
        for line in skips:
            print(line)
        ctx.pki = plan_mod.make_pki(ctx.tmp)
        ctx.base_env = plan_mod.base_env(ctx)
        all_cases = plan_mod.plan(ctx, vers)
        chosen = [c for c in all_cases if not args.only or re.search(args.only, c.name)]
        if args.audit_mutation:
            chosen = [c for c in chosen if c.expect == "block"]
        if args.list:
            for c in chosen:
                print(c.name)
            return 0
        used = {c.ver.name for c in chosen}
        build(ctx, [v for v in vers if v.name in used])
        return report(ctx, chosen, args.j, t0, args.table)
    finally:
        if args.keep:
            print("kept %s" % ctx.tmp)
        else:
            shutil.rmtree(ctx.tmp, ignore_errors=True)


def report(ctx, chosen, jobs, t0, table):
    passed = failed = skipped = 0
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for case, why, _secs in ex.map(lambda c: run_case(ctx, c), chosen):
            if why is not None and why.startswith("SKIP "):
                skipped += 1
                print("SKIP %s: %s" % (case.name, why[5:]))
                results.append((case.name, "skip"))
                continue
            if ctx.audit_mutation:   # inverted: the case must see the leak
                why = "still passes with the shim in audit mode" if why is None else None
            if why is None:
                passed += 1
                print("ok %s" % case.name)
            else:
                failed += 1
                print("FAIL %s: %s" % (case.name, why))
            results.append((case.name, "ok" if why is None else "FAIL"))
            sys.stdout.flush()
    if table:
        print_table(results)
    print("%d passed, %d failed, %d skipped (%.0f s)" % (passed, failed, skipped, time.monotonic() - t0))
    return 1 if failed else 0


def print_table(results):
    """Markdown: one row per road, one column per OpenSSL; each cell lists its
    cases' modes with their outcome (noshim ok = reaches, shim ok = blocked)."""
    cells, vers, roads = {}, [], []
    for name, status in results:
        ver, rest = name.split("/", 1)
        road, mode = rest.rsplit("/", 1)
        if ver not in vers:
            vers.append(ver)
        if road not in roads:
            roads.append(road)
        cells.setdefault((road, ver), []).append("%s %s" % (mode, status))
    print("| road | " + " | ".join(vers) + " |")
    print("|---" * (len(vers) + 1) + "|")
    for road in roads:
        print("| %s | " % road + " | ".join(", ".join(cells.get((road, v), ["-"])) for v in vers) + " |")


if __name__ == "__main__":
    sys.exit(main())
