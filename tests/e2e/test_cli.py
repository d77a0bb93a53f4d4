#!/usr/bin/env python3
"""End-to-end tests for `tlsguard pin` and `tlsguard check` (doctor: test_doctor.py).

    python3 tests/e2e/test_cli.py --build build [--only REGEX] [--keep]

pin: certificates made with the openssl CLI in a temp dir; every pin is
compared with the reference pipeline
    openssl x509 -pubkey -noout | openssl pkey -pubin -outform der
        | openssl dgst -sha256 -binary | base64
and HOST:PORT is fetched from a real `openssl s_server` on 127.0.0.1 serving
root CA -> intermediate -> leaf (SAN DNS:localhost, IP:127.0.0.1).

Needs: python3 (stdlib only), openssl.

Prints `ok NAME`, `FAIL NAME: why` or `skip NAME: why` per case, then
`N passed, N failed`; exits 1 if anything failed.
"""

import argparse
import base64
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 30


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def run(argv, env_extra=None, input_bytes=None, timeout=TIMEOUT, cwd=None):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.update(env_extra or {})
    p = subprocess.run(argv, input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=timeout, cwd=cwd)
    if p.returncode < 0:
        raise Fail("%s killed by signal %s; stderr: %s"
                   % (" ".join(argv[:3]), signal.Signals(-p.returncode).name,
                      p.stderr.decode(errors="replace")[-300:]))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def expect(cond, why):
    if not cond:
        raise Fail(why)


def need(prog):
    path = shutil.which(prog)
    expect(path, "%s is not installed (the CI must install it)" % prog)
    return path


# --------------------------------------------------------------------------
# PKI made with the openssl CLI

def openssl(*args, **kw):
    rc, out, err = run(["openssl"] + list(args), **kw)
    if rc != 0:
        raise Fail("openssl %s: %s" % (" ".join(args[:2]), err.strip()[-300:]))
    return out


def make_pki(d):
    """root CA -> intermediate -> leaf, and an unrelated CA."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
    for name, cn in (("ca", "tlsguard pin test root CA"), ("other", "tlsguard pin unrelated CA")):
        openssl("req", "-x509", *ec, "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.pem",
                "-days", "30", "-subj", f"/CN={cn}", *ca_ext)

    def signed(name, subj, issuer, ext):
        openssl("req", *ec, "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr", "-subj", subj)
        with open(f"{d}/{name}.ext", "w") as f:
            f.write(ext)
        openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/{issuer}.pem",
                "-CAkey", f"{d}/{issuer}.key", "-CAcreateserial", "-days", "30",
                "-extfile", f"{d}/{name}.ext", "-out", f"{d}/{name}.pem")

    signed("inter", "/CN=tlsguard pin test intermediate", "ca",
           "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    signed("leaf", "/CN=localhost/O=tlsguard pin test", "inter",
           "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")


def reference_pin(pem_path):
    """The pin by the openssl CLI pipeline of the spec, byte for byte."""
    pub = subprocess.run(["openssl", "x509", "-in", pem_path, "-pubkey", "-noout"],
                         stdout=subprocess.PIPE, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         stdout=subprocess.PIPE, check=True).stdout
    dgst = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=der,
                          stdout=subprocess.PIPE, check=True).stdout
    b64 = subprocess.run(["base64"], input=dgst, stdout=subprocess.PIPE, check=True).stdout
    return "sha256/" + b64.decode().strip()


PIN_RE = re.compile(r"^    pin (sha256/[A-Za-z0-9+/]{43}=)   # (.*)$", re.M)
HOST_RE = re.compile(r"^host (\S+)", re.M)


def pins_of(out):
    return [m.group(1) for m in PIN_RE.finditer(out)]


class SServer:
    """`openssl s_server` on 127.0.0.1, a free port, leaf + intermediate sent."""

    def __init__(self, d):
        self.proc = None
        for _ in range(5):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
            s.close()
            self.proc = subprocess.Popen(
                ["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}",
                 "-cert", f"{d}/leaf.pem", "-key", f"{d}/leaf.key",
                 "-cert_chain", f"{d}/inter.pem", "-quiet"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 5
            while time.time() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("cannot start openssl s_server")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------
# The cases

class Suite:
    def __init__(self, build, tmp):
        self.tool = os.path.join(build, "tlsguard")
        self.lib = os.path.join(build, "libtlsguard.so")
        self.tmp = tmp
        self.pki = os.path.join(tmp, "pki")
        os.makedirs(self.pki)
        make_pki(self.pki)
        self.server = SServer(self.pki)
        self.ref = {n: reference_pin(f"{self.pki}/{n}.pem") for n in ("leaf", "inter", "ca", "other")}

    def close(self):
        self.server.stop()

    def tg(self, *args, **kw):
        return run([self.tool] + list(args), **kw)

    def file(self, name, data, mode=0o644):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, mode)
        return path

    def pem(self, *names):
        return "".join(open(f"{self.pki}/{n}.pem").read() for n in names)

    # ---- pin FILE ----------------------------------------------------------

    def test_pin_file_single(self):
        rc, out, err = self.tg("pin", f"{self.pki}/leaf.pem")
        expect(rc == 0, f"exit {rc}: {err}")
        expect(pins_of(out) == [self.ref["leaf"]],
               f"pins {pins_of(out)} != openssl pipeline {self.ref['leaf']}")
        expect(re.search(r"^host localhost +# change to the host these pins are for$", out, re.M),
               "no 'host localhost   # change to ...' line (first DNS SAN):\n" + out)
        expect("(leaf)" in out, "the leaf is not labelled")

    def test_pin_file_bundle_in_order(self):
        for order in (("leaf", "ca"), ("ca", "leaf")):
            path = self.file("bundle-%s.pem" % "-".join(order), self.pem(*order))
            rc, out, err = self.tg("pin", path)
            expect(rc == 0, f"exit {rc}: {err}")
            want = [self.ref[n] for n in order]
            expect(pins_of(out) == want, f"order {order}: pins {pins_of(out)} != {want}")
            expect("(2 certificates)" in out, "header does not count 2 certificates:\n" + out)
            expect(re.search(r"^host localhost ", out, re.M),
                   "host line not taken from the leaf wherever it sits:\n" + out)

    def test_pin_file_key_and_cert(self):
        data = open(f"{self.pki}/leaf.key").read() + self.pem("leaf")
        rc, out, err = self.tg("pin", self.file("keycert.pem", data))
        expect(rc == 0 and pins_of(out) == [self.ref["leaf"]], f"exit {rc}, pins {pins_of(out)}")

    def test_pin_stdin(self):
        rc, out, err = self.tg("pin", "-", input_bytes=self.pem("leaf", "inter").encode())
        expect(rc == 0, f"exit {rc}: {err}")
        expect(pins_of(out) == [self.ref["leaf"], self.ref["inter"]], f"pins {pins_of(out)}")

    def test_pin_file_no_cert(self):
        path = self.file("nocert.pem", "just text\n" + open(f"{self.pki}/leaf.key").read())
        rc, out, err = self.tg("pin", path)
        expect(rc == 1, f"exit {rc}, want 1")
        expect(err.strip() == f"tlsguard pin: {path}: no PEM certificate found",
               "message: " + err.strip())
        expect(out == "", "printed something on stdout: " + out)

    def test_pin_missing_file(self):
        rc, out, err = self.tg("pin", os.path.join(self.tmp, "absent.pem"))
        expect(rc == 1 and "No such file" in err, f"exit {rc}: {err}")

    def test_pin_usage(self):
        for args in ((), ("a.pem", "b.pem"), ("--bogus", "x.pem"), ("host", "--servername")):
            rc, out, err = self.tg("pin", *args)
            expect(rc == 2 and "usage" in err, f"{args}: exit {rc}: {err}")

    # ---- check FILE --------------------------------------------------------

    def test_check_valid(self):
        text = ("min-protocol TLSv1.2\nhost api.example.com *.api.example.com\n"
                f"    pin {self.ref['leaf']}\n    pin {self.ref['ca']}\n")
        rc, out, err = self.tg("check", self.file("valid.policy", text))
        expect(rc == 0, f"exit {rc}: {err}")
        expect("ok (1 host block)" in out and "warning" not in out + err, out + err)

    def test_check_errors_name_file_and_line(self):
        path = self.file("typo.policy", "mode enforce\nhost a.example\n    pinn sha256/x\n"
                                        "    pin-expires 2026-02-30\n")
        rc, out, err = self.tg("check", path)
        expect(rc == 1, f"exit {rc}, want 1")
        expect(f"{path}:3: " in err and "pinn" in err, "no file:3: error for the typo:\n" + err)
        expect(f"{path}:4: " in err, "no file:4: error for the impossible date:\n" + err)

    def test_check_single_pin_warns(self):
        path = self.file("single.policy", f"host a.example\n    pin {self.ref['leaf']}\n")
        rc, out, err = self.tg("check", path)
        expect(rc == 0, f"exit {rc}: a warning is not an error")
        expect(f"{path}:1: warning: " in out and "backup" in out, "no backup-pin warning:\n" + out)

    def test_check_refuses_writable_file(self):
        path = self.file("open.policy", "mode enforce\n", mode=0o666)
        rc, out, err = self.tg("check", path)
        expect(rc == 1 and "writable" in err, f"exit {rc}: {err}")

    def test_check_usage(self):
        rc, out, err = self.tg("check")
        expect(rc == 2 and "usage" in err, f"exit {rc}: {err}")

    # ---- pin HOST:PORT -----------------------------------------------------

    def fetch(self, target, *args, ca="ca"):
        return self.tg("pin", target, *args, env_extra={"SSL_CERT_FILE": f"{self.pki}/{ca}.pem",
                                                       "SSL_CERT_DIR": self.tmp})

    def test_pin_host_verified(self):
        rc, out, err = self.fetch(f"localhost:{self.server.port}")
        expect(rc == 0, f"exit {rc}: {err}")
        want = [self.ref["leaf"], self.ref["inter"], self.ref["ca"]]
        expect(pins_of(out) == want, f"pins {pins_of(out)} != leaf, intermediate, CA {want}")
        expect("verified chain" in out and "WARNING" not in out, "header:\n" + out)
        expect(HOST_RE.findall(out) == ["localhost"], "host line:\n" + out)
        subjects = [m.group(2) for m in PIN_RE.finditer(out)]
        expect(subjects[0].endswith("(leaf)") and "CN=localhost" in subjects[0]
               and "root CA" in subjects[2], f"subject comments: {subjects}")

    def test_pin_host_ip_literal(self):
        rc, out, err = self.fetch(f"127.0.0.1:{self.server.port}")
        expect(rc == 0, f"exit {rc}: {err}")
        expect(pins_of(out)[0] == self.ref["leaf"] and HOST_RE.findall(out) == ["127.0.0.1"],
               "output:\n" + out)

    def test_pin_host_untrusted_refused(self):
        rc, out, err = self.fetch(f"localhost:{self.server.port}", ca="other")
        expect(rc == 1, f"exit {rc}, want 1")
        expect(f"tlsguard pin: localhost:{self.server.port}: certificate verification failed: " in err
               and "refusing to pin an unverified chain (use --insecure-fetch to pin it anyway)" in err,
               "message: " + err.strip())
        expect(pins_of(out) == [], "printed pins for an unverified chain:\n" + out)

    def test_pin_host_wrong_name_refused(self):
        rc, out, err = self.fetch(f"127.0.0.1:{self.server.port}", "--servername", "wrong.example")
        expect(rc == 1 and "refusing" in err and "mismatch" in err, f"exit {rc}: {err}")
        expect(pins_of(out) == [], "printed pins:\n" + out)

    def test_pin_host_insecure_fetch(self):
        rc, out, err = self.fetch(f"localhost:{self.server.port}", "--insecure-fetch", ca="other")
        expect(rc == 0, f"exit {rc}: {err}")
        expect("# WARNING: chain NOT verified" in out, "no WARNING line:\n" + out)
        # As presented: the leaf and the intermediate the server sent, no root.
        want = [self.ref["leaf"], self.ref["inter"]]
        expect(pins_of(out) == want, f"pins {pins_of(out)} != presented chain {want}")

    def test_pin_host_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        rc, out, err = self.fetch(f"127.0.0.1:{port}")
        expect(rc == 1 and f"127.0.0.1:{port}: connect: " in err, f"exit {rc}: {err}")

    def test_pin_host_ipv6_syntax(self):
        rc, out, err = self.fetch("[::1]:bad")
        expect(rc == 1 and "HOST[:PORT]" in err, f"exit {rc}: {err}")

    def test_pin_output_pastes_into_policy(self):
        rc, out, err = self.fetch(f"localhost:{self.server.port}")
        expect(rc == 0, f"exit {rc}: {err}")
        policy = "# tlsguard policy\nmin-protocol TLSv1.2\n\n" + out
        lines = [l for l in policy.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        expect(any(re.match(r"^host \S+", l) for l in lines), "no `host ...` line")
        pin_lines = [l for l in lines if l.strip().startswith("pin ")]
        expect(len(pin_lines) == 3 and all(re.match(r"^\s+pin sha256/\S+", l) for l in pin_lines),
               f"pin lines: {pin_lines}")
        for l in pin_lines:
            b64 = l.split()[1][len("sha256/"):]
            expect(len(base64.b64decode(b64, validate=True)) == 32, "not 32 bytes: " + l)
        pol = self.file("pasted.policy", policy)
        # `tlsguard check` is another subcommand: judge the block by it once it is there.
        rc, cout, cerr = self.tg("check", pol)
        if "unknown command" not in cerr:
            expect(rc == 0, f"`tlsguard check` rejects the pasted block: {cout}{cerr}")

    def test_pin_policy_enforced_by_shim(self):
        """The pasted block, used by the shim: the real chain passes, a changed pin blocks."""
        if not os.path.exists(self.lib):
            raise Skip(f"{self.lib} not built")
        rc, out, err = self.fetch(f"localhost:{self.server.port}")
        expect(rc == 0, f"pin: exit {rc}: {err}")
        good = self.file("good.policy", out)
        bad = self.file("bad.policy", PIN_RE.sub(
            lambda m: "    pin sha256/" + base64.b64encode(hashlib.sha256(m.group(1).encode())
                                                           .digest()).decode(), out))
        client = ["openssl", "s_client", "-connect", f"127.0.0.1:{self.server.port}",
                  "-servername", "localhost", "-verify_return_error"]
        env = {"SSL_CERT_FILE": f"{self.pki}/ca.pem", "TLSGUARD_LIB": self.lib}
        rc, cout, cerr = self.tg("run", "--policy", good, "--", *client, env_extra=env,
                                 input_bytes=b"")
        expect(rc == 0 and "action=block" not in cerr,
               f"the pasted pins block the real chain: exit {rc}: {cerr[-400:]}")
        rc, cout, cerr = self.tg("run", "--policy", bad, "--", *client, env_extra=env,
                                 input_bytes=b"")
        expect(rc != 0 and "pin" in cerr and "tlsguard" in cerr,
               f"changed pins did not block: exit {rc}: {cerr[-400:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--only", help="run the cases whose name matches this regex")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    if not os.access(os.path.join(build, "tlsguard"), os.X_OK):
        print(f"FAIL setup: {build}/tlsguard not built")
        print("0 passed, 1 failed")
        return 1
    names = sorted(n for n in dir(Suite) if n.startswith("test_"))
    if args.only:
        names = [n for n in names if re.search(args.only, n[5:])]
    tmp = tempfile.mkdtemp(prefix="tlsguard-cli-")
    passed = failed = 0
    suite = None
    try:
        try:
            suite = Suite(build, tmp)
        except Exception as e:  # noqa: BLE001 -- the setup failing is one failure
            print(f"FAIL setup: {e}")
            print("0 passed, 1 failed")
            return 1
        for n in names:
            case = n[5:]
            try:
                getattr(suite, n)()
                print(f"ok {case}")
                passed += 1
            except Skip as e:
                print(f"skip {case}: {e}")
            except (Fail, subprocess.TimeoutExpired, OSError) as e:
                print(f"FAIL {case}: {e}")
                failed += 1
            sys.stdout.flush()
    finally:
        if suite:
            suite.close()
        if args.keep:
            print(f"# kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
