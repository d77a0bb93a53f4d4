"""Checks of tests/e2e/run.py: how often the default trust store is opened.

The default store (the file SSL_CERT_FILE names, or X509_get_default_cert_file(),
here /usr/lib/ssl/cert.pem -> /etc/ssl/certs/ca-certificates.crt) costs ~240 M
instructions and 1.4 MB to parse. The shim must open it only for a program that
has no anchors of its own when the peer's certificate is about to be verified:

  0 times  for programs that configure anchors at any time before that: curl
           --cacert, python3 with cafile=, a C client that loads its CA between
           SSL_connect calls (tests/clients/late_anchors.c, as curl 7.88 does);
           plain curl opens its own bundle itself, the shim adds 0 opens;
  1 time   for `curl -k` and a program with no anchors (legacy_nonblock).

Counted with `strace -f -e trace=openat` over the whole process, for every name
the default store goes by. SSL_CERT_FILE (and curl's own CURL_CA_BUNDLE) is the
system bundle plus the test CA, so every client here verifies for real.
The peer is `openssl s_server -www` (answers curl and urllib) for localhost.
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from tgtest import free_port, is_listening, stop_group  # noqa: E402

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
OPENSSL_DEFAULT_FILE = "/usr/lib/ssl/cert.pem"  # OPENSSLDIR of Debian's 3.0 and 1.1.1


def opens(trace: str, paths) -> int:
    """Successful open/openat calls of any of `paths` in an strace -f log."""
    n = 0
    with open(trace) as f:
        for line in f:
            if "open" in line and "= -1" not in line and any('"%s"' % p in line for p in paths):
                n += 1
    return n


@contextmanager
def www_server(ctx):
    port = free_port()
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-www", "-quiet",
           "-cert", os.path.join(ctx.pki, "good.pem"), "-key", os.path.join(ctx.pki, "good.key")]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=ctx.env(shim=False), start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while not is_listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("openssl s_server -www did not start")
            time.sleep(0.02)
        yield port
    finally:
        stop_group(proc)


def checks(ctx, indent):
    store = os.path.join(ctx.tmp, "default-store")
    bundle = os.path.join(store, "bundle.pem")
    names = (bundle, SYSTEM_BUNDLE, OPENSSL_DEFAULT_FILE)
    ca = os.path.join(ctx.pki, "ca.pem")
    envs = {c.ossl: c.env for c in ctx.clients if c.name == "legacy_nonblock"}

    def prepare():
        if not os.path.exists(bundle):
            os.makedirs(store, exist_ok=True)
            with open(bundle, "w") as f:
                f.write(open(SYSTEM_BUNDLE).read() + open(ca).read())

    def traced(ossl, argv, shim, tag):
        """(exit code, output, default-store opens) of argv under strace."""
        prepare()
        trace = os.path.join(ctx.tmp, "strace-store-%s-%s.txt" % (tag, "shim" if shim else "noshim"))
        env = ctx.env(shim=shim, SSL_CERT_FILE=bundle, CURL_CA_BUNDLE=bundle, **envs.get(ossl, {}))
        rc, out, err = ctx.run(["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace] + argv, env)
        return rc, indent("stdout", out) + indent("stderr", err), opens(trace, names)

    def check(ossl, tag, argv_of, want):
        """want: "none" (0 with the shim), "once" (1 with the shim) or "same"
        (as many as without the shim). Without the shim the client must
        succeed too: the control that it reaches the peer and verifies."""
        def run():
            with www_server(ctx) as port:
                argv = argv_of(port)
                rc0, out0, n0 = traced(ossl, argv, False, tag)
                rc1, out1, n1 = traced(ossl, argv, True, tag)
            if rc0 != 0:
                return "control without the shim failed (exit %s):\n%s" % (rc0, out0)
            if rc1 != 0:
                return "failed under the shim (exit %s):\n%s" % (rc1, out1)
            wanted = {"none": 0, "once": 1, "same": n0}[want]
            if n1 != wanted:
                return "default store opened %d times under the shim (%d without), wanted %d" % (n1, n0, wanted)
            return None
        return ("%s/check/default-store-opens/%s" % (ossl, tag), run)

    url = "https://localhost:%d/"
    out = [
        check("ossl3", "curl-plain", lambda p: ["curl", "-sS", "-o", "/dev/null", url % p], "same"),
        check("ossl3", "curl-cacert", lambda p: ["curl", "-sS", "-o", "/dev/null", "--cacert", ca, url % p], "none"),
        check("ossl3", "python-cafile", lambda p: [
            sys.executable, "-c", "import ssl, sys, urllib.request as u; u.urlopen(sys.argv[1], "
            "context=ssl.create_default_context(cafile=sys.argv[2])).read()", url % p, ca], "none"),
        check("ossl3", "curl-k", lambda p: ["curl", "-sS", "-k", "-o", "/dev/null", url % p], "once"),
    ]
    for ossl in sorted(envs):
        bins = os.path.join(ctx.tmp, "clients-" + ossl)
        out.append(check(ossl, "late-anchors", lambda p, b=bins: [
            os.path.join(b, "late_anchors"), "localhost", str(p), ca], "none"))
        out.append(check(ossl, "no-anchors", lambda p, b=bins: [
            os.path.join(b, "legacy_nonblock"), "localhost", str(p)], "once"))
    return out
