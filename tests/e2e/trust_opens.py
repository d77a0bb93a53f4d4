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
The peer is a Python TLS server in this process (answers curl and urllib).
"""

import os
import socket
import ssl
import sys
import threading
import time
from contextlib import contextmanager

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


def serve_one(ctx_ssl, raw, delay):
    try:
        time.sleep(delay)  # the ClientHello waits: the client's first SSL_connect must stop
        with ctx_ssl.wrap_socket(raw, server_side=True) as conn:
            data = conn.recv(65536)
            if data.startswith(b"GET"):
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                return
            while data:
                data = conn.recv(65536)
    except (OSError, ssl.SSLError):
        raw.close()


@contextmanager
def tls_server(ctx, delay=0.0):
    """A TLS server for localhost on 127.0.0.1, in threads of this process: a
    GET gets a short HTTP answer (curl, urllib), anything else is read until
    the client closes. `delay`: seconds each connection waits before the
    server reads the ClientHello, so that a client's first non-blocking
    SSL_connect surely returns SSL_ERROR_WANT_READ (a loaded machine can let
    the server answer before the client reads, finishing it in one call)."""
    ctx_ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx_ssl.load_cert_chain(os.path.join(ctx.pki, "good.pem"), os.path.join(ctx.pki, "good.key"))
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    lsock.settimeout(0.2)
    stop = threading.Event()

    def accept_loop():
        while not stop.is_set():
            try:
                raw, _ = lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            raw.settimeout(10)
            threading.Thread(target=serve_one, args=(ctx_ssl, raw, delay), daemon=True).start()
    t = threading.Thread(target=accept_loop, daemon=True)
    t.start()
    try:
        yield lsock.getsockname()[1]
    finally:
        stop.set()
        t.join()
        lsock.close()


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

    def check(ossl, tag, argv_of, want, delay=0.0):
        """want: "none" (0 with the shim), "once" (1 with the shim) or "same"
        (as many as without the shim). Without the shim the client must
        succeed too: the control that it reaches the peer and verifies."""
        def run():
            with tls_server(ctx, delay) as port:
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
        bins = ctx.bins(ossl)
        out.append(check(ossl, "late-anchors", lambda p, b=bins: [
            os.path.join(b, "late_anchors"), "localhost", str(p), ca], "none", delay=0.3))
        out.append(check(ossl, "no-anchors", lambda p, b=bins: [
            os.path.join(b, "legacy_nonblock"), "localhost", str(p)], "once"))
    return out
