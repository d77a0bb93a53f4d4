"""Checks of the e2e suite: a server under the shim, syslog, two OpenSSL
copies in one process, secure execution, /etc/tlsguard.policy."""

import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import cbuild  # noqa: E402  (tests/lib/cbuild.py: the C programs, made by make)
import servers  # noqa: E402
from e2e_model import (LEGACY_CIPHERS, LOG_PREFIX, PY_CLIENT, indent, need_private_mounts,  # noqa: E402
                       policy_file, said)
from e2e_plan import read_pin  # noqa: E402


def server_floor(ctx):
    # A server under the shim: the protocol floor and nothing else (no
    # client certificate demanded), whoever connects.
    srv = servers.s_server("the s_server under the shim", ctx.pki, "good",
                           ["-cipher", LEGACY_CIPHERS, "-min_protocol", "TLSv1"],
                           os.path.join(ctx.tmp, "shimmed-server.out"), env=ctx.env())
    try:
        srv.start()
        s_client = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port, "-quiet",
                    "-no_ign_eof", "-cipher", LEGACY_CIPHERS]
        legacy = ctx.runner.run_client(s_client + ["-tls1"], ctx.env(shim=False), b"LEGACY-BYTES\n")
        modern = ctx.runner.run_client(s_client, ctx.env(shim=False), b"MODERN-BYTES\n")
        time.sleep(0.3)
        got = srv.read_from(0)
        logged = servers.tail(srv.err_path, 1 << 20)
    finally:
        srv.stop()
    if b"LEGACY-BYTES" in got or legacy[0] == 0:
        return "a TLS 1.0 client got through to a server under the shim:\n%s%s" % (
            said(*legacy), indent("server stderr", logged))
    if b"MODERN-BYTES" not in got or modern[0] != 0:
        return "a TLS 1.3 client without a certificate was refused:\n%s%s" % (
            said(*modern), indent("server stderr", logged))
    blocks = [l for l in logged.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
    if len(blocks) != 1 or "protocol" not in blocks[0]:
        return "wanted one protocol block line from the server:\n" + indent("server stderr", logged)
    return None


def log_syslog(ctx):
    # `log syslog` sends RFC 3164 datagrams to /dev/log, ident tlsguard,
    # facility authpriv. Checked in a private mount namespace whose /dev
    # holds a socket of ours (the machine's /dev is never touched).
    need_private_mounts()
    fake = os.path.join(ctx.tmp, "fakedev")
    got = os.path.join(ctx.tmp, "syslog.got")
    pol = policy_file(ctx, "log-syslog", "log syslog\n")
    listener = ("import socket,sys\n"
                "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM);s.bind(sys.argv[1]);s.settimeout(10)\n"
                "m=b''\n"
                "while b'action=block' not in m: m=s.recv(4096)\n"
                "open(sys.argv[2],'wb').write(m)\n")
    script = ('set -e; mkdir -p "$FAKE"; for n in null zero urandom random; do '
              'touch "$FAKE/$n"; mount --bind "/dev/$n" "$FAKE/$n"; done; '
              '"$PY" -c "$LISTENER" "$FAKE/log" "$GOT" & '
              'while [ ! -S "$FAKE/log" ]; do sleep 0.05; done; '
              'mount --bind "$FAKE" /dev; '
              '"$PY" "$CLIENT" localhost "$PORT" || true; wait')
    env = ctx.env(FAKE=fake, GOT=got, PY=sys.executable, LISTENER=listener, CLIENT=PY_CLIENT,
                  PORT=ctx.bad, TLSGUARD_POLICY=pol)
    rc, out, err = ctx.run(["unshare", "-m", "sh", "-c", script], env)
    msg = open(got, "rb").read().decode(errors="replace") if os.path.exists(got) else ""
    if LOG_PREFIX in err:
        return "a line went to stderr although the policy says 'log syslog':\n" + indent("stderr", err)
    if not re.match(r"<84>\w{3} [ \d]\d \d\d:\d\d:\d\d tlsguard\[\d+\]: time=.*action=block", msg):
        return "no syslog datagram (authpriv.warning, ident tlsguard) for the block: %r\n%s" % (
            msg, said(rc, out, err))
    return None


def two_copies(ctx):
    # One process, two OpenSSLs: the program's 3.0 and a plugin's 1.1.1,
    # dlopen'ed RTLD_LOCAL. Each call must go to the copy its caller uses
    # (crossing copies crashes), and each copy enforces.
    b3 = next((b for b in ctx.found if b.name == "ossl3"), None)
    b11 = next((b for b in ctx.found if b.name == "ossl11"), None)
    if not b11 or not any(c.ossl == "ossl11" for c in ctx.clients):
        return "OpenSSL 1.1.1 is not available"
    prog = os.path.join(cbuild.build(ctx.build, b3, ["two_libssl"]), "two_libssl")
    plugin = os.path.join(cbuild.build(ctx.build, b11, ["two_libssl_plugin.so"]), "two_libssl_plugin.so")
    o11 = b11.env
    argv = [prog, plugin, "localhost", ctx.good, ctx.bad]
    env = ctx.env(shim=False, OPENSSL_CONF=o11["OPENSSL_CONF"])
    rc, out, err = ctx.run(argv, env)
    if rc != 0 or out.count(": sent") != 4:
        return "without the shim not every connection went through:\n" + said(rc, out, err)
    env["LD_PRELOAD"] = ctx.runner.shim
    rc, out, err = ctx.run(argv, env)
    want = ["two-main-%s (OpenSSL 3" % ctx.good, "two-plugin-%s (OpenSSL 1.1.1" % ctx.good]
    blocks = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
    if rc != 0:
        return "two_libssl died under the shim (exit %s):\n%s%s" % (rc, indent("stdout", out),
                                                                 indent("stderr", err))
    sent = [l for l in out.splitlines() if l.endswith(": sent")]
    if len(sent) != 2 or not all(any(l.startswith(w) for l in sent) for w in want):
        return "the good peer was not reached through both copies:\n" + said(rc, out, err)
    if out.count(": failed") != 2 or len(blocks) != 2:
        return "the bad peer was not blocked in both copies:\n" + said(rc, out, err)
    return None


def secure_execution(ctx):
    # A setgid program run by another user is a secure-execution process
    # (AT_SECURE): the dynamic linker preloads only a setuid library from
    # a system directory, and the shim must ignore every TLSGUARD_*
    # variable. Here TLSGUARD_POLICY names an invalid file and
    # TLSGUARD_LOG says none: honoured, the block would cite the policy
    # and log nothing; ignored, it cites the certificate (the test CA is
    # unknown: OpenSSL ignores SSL_CERT_FILE there too) and logs.
    if os.geteuid() != 0:
        return None  # needs root to set it up; the other checks still ran
    sysdir = "/usr/lib/x86_64-linux-gnu"
    lib = os.path.join(sysdir, "libtlsguard-atsecure-test-%d.so" % os.getpid())
    d = tempfile.mkdtemp(prefix="tlsguard-secure-")
    try:
        os.chmod(d, 0o755)
        shutil.copyfile(ctx.runner.shim, lib)
        os.chmod(lib, 0o4755)
        client = os.path.join(d, "legacy_cb")
        shutil.copyfile(os.path.join(ctx.bins("ossl3"), "legacy_cb"), client)
        os.chmod(client, 0o2755)  # setgid root
        pol = os.path.join(d, "bad.policy")
        with open(pol, "w") as f:
            f.write("this is not a directive\n")
        os.chmod(pol, 0o644)
        env = ctx.env(shim=False, LD_PRELOAD=os.path.basename(lib), TLSGUARD_POLICY=pol,
                      TLSGUARD_LOG="none")
        rc, out, err = ctx.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                client, "localhost", ctx.good], env)
        lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
        if rc == 0 or len(lines) != 1:
            return "the shim did not run in the secure process (exit %s):\n%s%s" % (
                rc, indent("stdout", out), indent("stderr", err))
        if "invalid policy" in lines[0] or "issuer" not in lines[0]:
            return "TLSGUARD_* was honoured in a secure-execution process:\n" + indent("stderr", err)
        return None
    finally:
        for path in (lib,):
            if os.path.exists(path):
                os.unlink(path)
        shutil.rmtree(d, ignore_errors=True)


def default_policy_file(ctx):
    # Without TLSGUARD_POLICY the shim reads /etc/tlsguard.policy if it
    # exists — the way /etc/ld.so.preload and clean-environment services
    # get a policy. Tried in a private mount namespace over a copy of
    # /etc: the machine's own /etc is never touched.
    need_private_mounts()
    etc = os.path.join(ctx.tmp, "etc-copy")
    pinned = "host localhost\n    pin %s\n    pin %s\n" % (
        read_pin(ctx.pki, "otherca"), read_pin(ctx.pki, "selfsigned"))
    script = ('set -e; cp -a /etc "$ETC"; mount --bind "$ETC" /etc; '
              'printf "%s" "$POLICY" > /etc/tlsguard.policy; chmod 644 /etc/tlsguard.policy; '
              'exec "$@"')
    env = ctx.env(ETC=etc, POLICY=pinned)
    env.pop("TLSGUARD_POLICY", None)
    rc, out, err = ctx.run(["unshare", "-m", "sh", "-c", script, "sh", sys.executable, PY_CLIENT,
                            "localhost", ctx.good], env)
    if rc == 0 or "pin mismatch" not in err:
        return "/etc/tlsguard.policy was not applied (exit %s):\n%s" % (rc, indent("stderr", err))
    rc, out, err = ctx.run([sys.executable, PY_CLIENT, "localhost", ctx.good], env)
    if rc != 0:
        return "without /etc/tlsguard.policy the good peer was refused:\n" + indent("stderr", err)
    return None


def checks(ctx):
    return [("ossl3/check/server-gets-the-floor-only", lambda: server_floor(ctx)),
            ("ossl3/check/log-to-syslog", lambda: log_syslog(ctx)),
            ("ossl3+ossl11/check/two-openssl-copies-in-one-process", lambda: two_copies(ctx)),
            ("ossl3/check/secure-execution-ignores-tlsguard-vars", lambda: secure_execution(ctx)),
            ("ossl3/check/default-policy-file", lambda: default_policy_file(ctx))]
