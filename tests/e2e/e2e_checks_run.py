"""Checks of the e2e suite: log destinations and `tlsguard run`."""

import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from tgtest import free_port  # noqa: E402
from e2e_model import LOG_PREFIX, PY_CLIENT, indent, policy_file, said  # noqa: E402


def log_to_file(ctx):
    log = os.path.join(ctx.tmp, "tlsguard.log")
    pol = policy_file(ctx, "log-file", "log %s\n" % log)
    rc, out, err = ctx.run([sys.executable, PY_CLIENT, "localhost", str(ctx.port("selfsigned"))],
                           ctx.env(TLSGUARD_POLICY=pol))
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    blocks = [l for l in lines if l.startswith(LOG_PREFIX) and "action=block" in l]
    if rc == 0:
        return "client was not blocked:\n" + said(rc, out, err)
    if LOG_PREFIX in err:
        return "a line went to stderr although the policy says 'log %s':\n%s" % (log, said(rc, out, err))
    return None if len(blocks) == 1 else "wanted one block line in %s, found %r\n%s" % (
        log, lines, said(rc, out, err))


def log_none(ctx):
    pol = policy_file(ctx, "log-none", "log none\n")
    rc, out, err = ctx.run([sys.executable, PY_CLIENT, "localhost", str(ctx.port("selfsigned"))],
                           ctx.env(TLSGUARD_POLICY=pol))
    if rc == 0:
        return "client was not blocked:\n" + said(rc, out, err)
    return None if LOG_PREFIX not in err else "logged although the policy says 'log none':\n" + said(rc, out, err)


def run_blocks(ctx):
    rc, out, err = ctx.run([ctx.tool, "run", "--", sys.executable, PY_CLIENT, "localhost",
                            str(ctx.port("selfsigned"))], ctx.env(shim=False))
    lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
    if rc != 1:
        return "tlsguard run exited %s, wanted the client's 1:\n%s" % (rc, indent("stderr", err))
    return None if len(lines) == 1 else "wanted one block line, got:\n" + indent("stderr", err)


def run_audit(ctx):
    rc, out, err = ctx.run([ctx.tool, "run", "--audit", "--", sys.executable, PY_CLIENT, "localhost",
                            str(ctx.port("selfsigned"))], ctx.env(shim=False))
    lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=audit" in l]
    if rc != 0:
        return "audit run exited %s:\n%s" % (rc, indent("stderr", err))
    return None if len(lines) == 1 else "wanted one audit line, got:\n" + indent("stderr", err)


def run_status(ctx):
    rc, out, err = ctx.run([ctx.tool, "run", "--", "sh", "-c", "exit 7"], ctx.env(shim=False))
    return None if rc == 7 else "tlsguard run exited %s, wanted the command's 7" % rc



def run_report(ctx):
    script = "%s %s localhost %s; %s %s localhost %s; exit 3" % (
        sys.executable, PY_CLIENT, ctx.good, sys.executable, PY_CLIENT, ctx.bad)
    rc, out, err = ctx.run([ctx.tool, "run", "--report", "--", "sh", "-c", script], ctx.env(shim=False))
    rows = [l.split()[:5] for l in err.splitlines() if l.startswith("  localhost ")]
    want = [["localhost", ctx.good, "TLSv1.3", "allow", "1"], ["localhost", ctx.bad, "-", "block", "1"]]
    if rc != 3:
        return "tlsguard run --report exited %s, wanted the command's 3" % rc
    if "tlsguard report: 2 TLS connections, 1 blocked" not in err or sorted(rows) != sorted(want):
        return "report is not what the tree did:\n" + indent("stderr", err)
    return None


def run_clean_env_child(ctx):
    # The child scrubs its environment (env -i): the shim's exec hook puts
    # LD_PRELOAD and the settings back, so the grandchild is still covered.
    pol = policy_file(ctx, "run-child", "mode enforce\n")
    rc, out, err = ctx.run([ctx.tool, "run", "--policy", pol, "--", "env", "-i", "PATH=/usr/bin:/bin",
                            "SSL_CERT_FILE=" + ctx.cafile, sys.executable, PY_CLIENT, "localhost", ctx.bad],
                           ctx.env(shim=False))
    lines = [l for l in err.splitlines() if l.startswith(LOG_PREFIX) and "action=block" in l]
    if rc == 0 or len(lines) != 1:
        return "a child started with env -i escaped the shim (exit %s):\n%s" % (rc, indent("stderr", err))
    return None


def run_setuid_child(ctx):
    suid = os.path.join(ctx.tmp, "suid-true")
    shutil.copyfile("/bin/true", suid)
    os.chmod(suid, 0o4755)
    rc, out, err = ctx.run([ctx.tool, "run", "--", "sh", "-c", suid], ctx.env(shim=False))
    lines = [l for l in err.splitlines() if "action=notice" in l and "suid-true" in l and "setuid" in l]
    return None if len(lines) == 1 else "no notice for a setuid child:\n" + indent("stderr", err)


# Per-host anchors on a context shared by two hosts: trusting the other CA
# for localhost must not leave it in the context for 127.0.0.1 after.
# (Needs the shim to apply tg_host_settings.ca_file per connection.)
SHARED_CTX = (
    "import socket, ssl, sys\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
    "ctx.check_hostname = False\n"
    "ctx.verify_mode = ssl.CERT_NONE\n"
    "for host in sys.argv[2:]:\n"
    "    try:\n"
    "        s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1]))),\n"
    "                            server_hostname=host)\n"
    "        s.sendall(b'x'); s.close(); print(host, 'ok')\n"
    "    except (ssl.SSLError, OSError) as e:\n"
    "        print(host, 'failed')\n")


def host_ca_shared_ctx(ctx):
    pol = os.path.join(ctx.tmp, "policies", "ca-host.policy")
    argv = [sys.executable, "-c", SHARED_CTX, str(ctx.port("untrusted")), "localhost", "127.0.0.1",
            "localhost"]
    rc, out, err = ctx.run(argv, ctx.env(shim=False))
    if out.split() != ["localhost", "ok", "127.0.0.1", "ok", "localhost", "ok"]:
        return "no-shim control did not reach the peer three times:\n" + indent("stdout", out)
    rc, out, err = ctx.run(argv, ctx.env(TLSGUARD_POLICY=pol))
    want = ["localhost", "ok", "127.0.0.1", "failed", "localhost", "ok"]
    if out.split() != want:
        return "wanted %s:\n%s%s" % (" ".join(want), indent("stdout", out), indent("stderr", err))
    return None


def run_notices_gnutls(ctx, argv_of):
    # wget does its TLS through GnuTLS: LD_PRELOAD'ing the shim into it
    # changes nothing, and `tlsguard run` must say so rather than look
    # protected, for the command itself and for a child of a covered one.
    def check():
        wget = shutil.which("wget")
        if not wget:
            return "wget is not installed (the CI installs it)"
        url = "http://127.0.0.1:%d/" % free_port()
        rc, out, err = ctx.run([ctx.tool, "run", "--"] + argv_of(wget, url), ctx.env(shim=False))
        lines = [l for l in err.splitlines()
                 if "action=notice" in l and "/wget" in l and "GnuTLS" in l]
        return None if len(lines) == 1 else "no single GnuTLS notice for wget:\n" + indent("stderr", err)
    return check


def checks(ctx):
    gnutls_child = lambda wget, url: ["sh", "-c", "%s -q --tries=1 -O /dev/null %s; true" % (wget, url)]
    return [("ossl3/check/log-to-file", lambda: log_to_file(ctx)),
            ("ossl3/check/log-none", lambda: log_none(ctx)),
            ("ossl3/check/run-preloads-the-shim", lambda: run_blocks(ctx)),
            ("ossl3/check/run-audit", lambda: run_audit(ctx)),
            ("ossl3/check/run-exit-status", lambda: run_status(ctx)),
            ("ossl3/check/run-report", lambda: run_report(ctx)),
            ("ossl3/check/run-covers-children-with-clean-env", lambda: run_clean_env_child(ctx)),
            ("ossl3/check/run-notices-setuid-child", lambda: run_setuid_child(ctx)),
            ("ossl3/check/host-ca-not-widened-on-a-shared-context", lambda: host_ca_shared_ctx(ctx)),
            ("ossl3/check/run-notices-gnutls-wget",
             run_notices_gnutls(ctx, lambda wget, url: [wget, "-q", "--tries=1", "-O", "/dev/null", url])),
            ("ossl3/check/run-notices-gnutls-wget-child", run_notices_gnutls(ctx, gnutls_child))]
