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
import json
import os
import re
import shlex
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
PY_CLIENT = os.path.join(REPO, "tests", "clients", "py_client.py")


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
            expect(rc == 2 and ("usage" in err or "--help" in err), f"{args}: exit {rc}: {err}")

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

    # ---- run --fail-on, --report json, report FILE... ----------------------

    def need_lib(self):
        if not os.path.exists(self.lib):
            raise Skip(f"{self.lib} not built")

    def py(self, host="localhost"):
        return " ".join(shlex.quote(a) for a in
                        [sys.executable, PY_CLIENT, host, str(self.server.port)])

    def tree(self, *opts, script, ca="ca", env=None, **kw):
        """tlsguard run OPTS -- sh -c SCRIPT; the clients trust `ca` (other: blocked)."""
        self.need_lib()
        e = {"SSL_CERT_FILE": f"{self.pki}/{ca}.pem", "SSL_CERT_DIR": self.tmp,
             "TLSGUARD_LIB": self.lib}
        e.update(env or {})
        return self.tg("run", *opts, "--", "sh", "-c", script, env_extra=e, **kw)

    def test_run_fail_on_block(self):
        # Control: without the shim the careless client reaches the server it must not.
        rc, out, err = run(["sh", "-c", self.py()], env_extra={"SSL_CERT_FILE": f"{self.pki}/other.pem"})
        expect(rc == 0 and "sent" in out, f"no-shim control did not connect: exit {rc}: {err}")
        rc, out, err = self.tree("--fail-on", "block", script=self.py() + "; exit 0", ca="other")
        expect(rc == 3, f"a blocked connection, command exit 0: exit {rc}, want 3:\n{err}")
        expect("tlsguard run: --fail-on block: 1 connection blocked" in err
               and "(the command exited 0)" in err, "no verdict line:\n" + err)
        rc, out, err = self.tree("--fail-on", "block", script=self.py(), ca="other")
        expect(rc == 3 and "(the command exited 1)" in err,
               f"blocked and the command failed: exit {rc}, want 3 naming the command's 1:\n{err}")
        rc, out, err = self.tree("--fail-on", "block", script=self.py())
        expect(rc == 0 and "--fail-on" not in err, f"nothing blocked: exit {rc}:\n{err}")
        rc, out, err = self.tree("--fail-on=block", script=self.py() + "; exit 5")
        expect(rc == 5, f"nothing blocked, command exit 5: exit {rc}, want 5")
        # a run with its own report inside: the outer run still sees the tree's block
        inner = f"{shlex.quote(self.tool)} run --report -- {self.py()}; exit 0"
        rc, out, err = self.tree("--fail-on", "block", script=inner, ca="other")
        expect(rc == 3 and err.count("tlsguard report: 1 TLS connection, 1 blocked") == 1,
               f"nested run: exit {rc}, want 3:\n{err}")

    def test_run_fail_on_audit(self):
        rc, out, err = self.tree("--audit", "--fail-on", "audit", script=self.py(), ca="other")
        expect(rc == 3, f"audit mode, a would-be block: exit {rc}, want 3:\n{err}")
        expect("sent 27 bytes" in out, "audit mode broke the connection:\n" + out + err)
        expect("0 connections blocked, 1 would have been (audit)" in err, "verdict line:\n" + err)
        rc, out, err = self.tree("--audit", "--fail-on", "block", script=self.py(), ca="other")
        expect(rc == 0, f"--fail-on block in audit mode trips on nothing blocked: exit {rc}")
        rc, out, err = self.tree("--fail-on", "audit", script=self.py() + "; exit 0", ca="other")
        expect(rc == 3, f"--fail-on audit also trips on a real block: exit {rc}")
        rc, out, err = self.tree("--audit", "--fail-on", "audit", script=self.py())
        expect(rc == 0 and "--fail-on" not in err, f"good chain: exit {rc}:\n{err}")

    REPORT_KEYS = {"tlsguard_report", "summary", "input", "records"}
    SUMMARY_KEYS = {"connections", "allowed", "blocked", "audit", "notices"}
    INPUT_KEYS = {"lines", "records", "errors", "malformed", "other"}
    RECORD_KEYS = {"host", "port", "protocol", "verdict", "count", "reasons", "programs",
                   "first_seen", "last_seen"}

    def check_schema(self, doc, with_run):
        want = self.REPORT_KEYS | ({"run"} if with_run else set())
        expect(set(doc) == want, f"top-level keys {sorted(doc)} != {sorted(want)}")
        expect(doc["tlsguard_report"] == 1, "schema version is not 1")
        expect(set(doc["summary"]) == self.SUMMARY_KEYS, f"summary keys {sorted(doc['summary'])}")
        expect(set(doc["input"]) == self.INPUT_KEYS, f"input keys {sorted(doc['input'])}")
        for r in doc["records"]:
            expect(set(r) == self.RECORD_KEYS, f"record keys {sorted(r)}")
            expect(r["port"] is None or isinstance(r["port"], int), f"port {r['port']!r}")
            expect(r["verdict"] in ("block", "audit", "allow", "notice"), f"verdict {r['verdict']}")
            expect(sum(x["count"] for x in r["reasons"]) == r["count"], f"reasons {r}")
            expect(sum(x["count"] for x in r["programs"]) == r["count"], f"programs {r}")
            expect(all(set(x) == {"reason", "count"} for x in r["reasons"]), f"reasons {r}")
            expect(all(set(x) == {"program", "count"} for x in r["programs"]), f"programs {r}")
        if with_run:
            expect(set(doc["run"]) == {"status", "signal", "fail_on", "exit_status"},
                   f"run keys {sorted(doc['run'])}")

    def test_run_report_json(self):
        path = os.path.join(self.tmp, "run-report.json")
        good = self.py()
        bad = f"SSL_CERT_FILE={self.pki}/other.pem " + self.py()
        rc, out, err = self.tree("--report", "json", "--report-file", path, "--fail-on", "block",
                                 script=f"{good}; {bad}; {bad}; exit 0")
        expect(rc == 3, f"exit {rc}, want 3:\n{err}")
        expect("tlsguard report:" not in err and '"tlsguard_report"' not in err,
               "the report went to stderr, not to --report-file:\n" + err)
        doc = json.load(open(path))
        self.check_schema(doc, with_run=True)
        expect(doc["summary"] == {"connections": 3, "allowed": 1, "blocked": 2, "audit": 0,
                                  "notices": 0}, f"summary {doc['summary']}")
        expect(doc["run"] == {"status": 0, "signal": 0, "fail_on": "block", "exit_status": 3},
               f"run {doc['run']}")
        recs = {(r["host"], r["port"], r["protocol"], r["verdict"]): r for r in doc["records"]}
        port = self.server.port
        blk = recs.get(("localhost", port, None, "block"))
        expect(blk and blk["count"] == 2 and "issuer" in blk["reasons"][0]["reason"]
               and blk["programs"][0]["program"].startswith("python"), f"block record: {recs}")
        expect(recs.get(("localhost", port, "TLSv1.3", "allow"), {}).get("count") == 1,
               f"allow record: {recs}")
        expect(doc["records"][0]["verdict"] == "block", "blocks are not listed first")
        rc, out, err = self.tree("--report=json", script=good)
        doc = json.loads(err[err.index("{"):])
        self.check_schema(doc, with_run=True)
        expect(rc == 0 and doc["summary"]["allowed"] == 1, f"--report=json to stderr: exit {rc}")

    def test_run_report_table(self):
        bad = f"SSL_CERT_FILE={self.pki}/other.pem " + self.py()
        rc, out, err = self.tree("--report", script=f"{self.py()}; {bad}; exit 4")
        expect(rc == 4, f"exit {rc}, want the command's 4")
        expect("tlsguard report: 2 TLS connections, 1 blocked\n" in err, "summary:\n" + err)
        head = [l for l in err.splitlines() if l.startswith("  HOST ")]
        expect(head and head[0].split() == ["HOST", "PORT", "PROTOCOL", "VERDICT", "COUNT",
                                            "PROGRAMS", "REASON"], "header:\n" + err)
        rows = [l.split(None, 6) for l in err.splitlines() if l.startswith("  localhost ")]
        port = str(self.server.port)
        expect(len(rows) == 2 and rows[0][:5] == ["localhost", port, "-", "block", "1"]
               and "issuer" in rows[0][6] and rows[1][:5] == ["localhost", port, "TLSv1.3", "allow", "1"],
               "rows:\n" + err)

    def test_run_usage(self):
        for args, what in ((("--fail-on", "never"), "block or audit"), (("--fail-on",), "block or audit"),
                           (("--report=xml",), "table or json"), (("--report-file",), "PATH"),
                           # the policy's spelling of a log destination (policy/log_dest.c)
                           (("--log", "tlsguard.log"), "absolute path"),
                           (("--log", "Syslog"), "absolute path"), (("--log", ""), "absolute path")):
            rc, out, err = self.tg("run", *args, "--", "true")
            expect(rc == 2 and what in err and "--help" in err, f"{args}: exit {rc}: {err}")

    LOG_A = (
        'tlsguard: time=2026-12-01T10:00:00Z pid=1 program=curl action=block host=api.example port=443 '
        'protocol=- cipher=- reason="certificate verification failed: self-signed certificate (depth 0)"\n'
        'Dec  1 10:00:01 web1 tlsguard[2]: time=2026-12-01T10:00:01Z pid=2 program=wget action=block '
        'host=api.example port=443 protocol=- cipher=- reason="certificate verification failed: '
        'self-signed certificate (depth 0)"\n'
        "Dec  1 10:00:02 web1 sshd[9]: Accepted publickey for root\n"
        "tlsguard: time=2026-12-01T10:00:03Z pid=3 program=x action=explode host=a\n"
        "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
        'tlsguard: time=2026-12-01T10:00:04Z pid=4 program=curl action=audit host=old.example '
        'port=8443 protocol=TLSv1.0 cipher=AES128-SHA reason="would block: protocol below TLS 1.2"\n')
    LOG_B = (
        'time=2026-12-01T11:00:00Z pid=5 program=python3 action=allow host=api.example port=443 '
        'protocol=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 reason="verified"\n'
        "tlsguard: error: no usable libssl found for a TLS call; it fails closed\n"
        "time=garbage\n\n")

    def test_report_files(self):
        a, b = self.file("a.log", self.LOG_A), self.file("b.log", self.LOG_B)
        rc, out, err = self.tg("report", a, b)
        expect(rc == 0, f"exit {rc}: {err}")
        lines = out.splitlines()
        expect(lines[0] == "tlsguard report: 4 TLS connections, 2 blocked, 1 would have been (audit)",
               "summary:\n" + out)
        expect(lines[1] == "  (8 lines read: 4 records, 1 tlsguard error, 2 malformed, 1 other)",
               "counts:\n" + out)
        rows = [l.split(None, 6) for l in lines[3:]]
        expect([r[:5] for r in rows] == [["api.example", "443", "-", "block", "2"],
                                         ["old.example", "8443", "TLSv1.0", "audit", "1"],
                                         ["api.example", "443", "TLSv1.3", "allow", "1"]], "rows:\n" + out)
        expect(rows[0][5] == "curl,wget" and rows[0][6].startswith("certificate verification failed"),
               "programs/reason:\n" + out)
        expect(f"skipped 2 malformed lines (the first: {a}:4)" in err, "malformed note:\n" + err)
        rc, out, err = self.tg("report", "--json", a, b)
        doc = json.loads(out)
        self.check_schema(doc, with_run=False)
        expect(doc["input"] == {"lines": 8, "records": 4, "errors": 1, "malformed": 2, "other": 1},
               f"input {doc['input']}")
        expect(doc["records"][0]["first_seen"] == "2026-12-01T10:00:00Z"
               and doc["records"][0]["last_seen"] == "2026-12-01T10:00:01Z", f"{doc['records'][0]}")
        # standard input, journalctl -o cat style: the same result
        rc, out2, err = self.tg("report", "--json", "-", input_bytes=(self.LOG_A + self.LOG_B).encode())
        expect(rc == 0 and json.loads(out2)["records"] == doc["records"], f"stdin: exit {rc}: {err}")
        rc, out, err = self.tg("report", os.path.join(self.tmp, "absent.log"), a)
        expect(rc == 1 and "absent.log: No such file" in err and "2 blocked" in out,
               f"a missing file: exit {rc}, the others still read:\n{out}{err}")
        rc, out, err = self.tg("report", "--fail-on", "audit", b)
        expect(rc == 0, f"only allowed connections: --fail-on audit exit {rc}")
        rc, out, err = self.tg("report", "--fail-on", "block", a)
        expect(rc == 3 and "--fail-on block" in err, f"--fail-on block over blocks: exit {rc}")
        rc, out, err = self.tg("report")
        expect(rc == 2 and "--help" in err, f"no FILE: exit {rc}: {err}")

    def test_report_reads_the_shims_log(self):
        """`report` over the shim's log file says what `run --report json` said."""
        log, path = os.path.join(self.tmp, "shim.log"), os.path.join(self.tmp, "same.json")
        bad = self.py()
        rc, out, err = self.tree("--log", log, "--audit", "--report=json", "--report-file", path,
                                 script=f"{bad}; {bad}; exit 0", ca="other")
        expect(rc == 0, f"exit {rc}: {err}")
        ran = json.load(open(path))["records"]
        rc, out, err = self.tg("report", "--json", log)
        expect(rc == 0, f"report: exit {rc}: {err}")
        expect(json.loads(out)["records"] == ran and ran and ran[0]["count"] == 2,
               f"run said {ran}, report says {out}")

    # ---- --help, --version, unknown options --------------------------------

    HELP_OPTIONS = {
        None: ["-h, --help", "-V, --version"],
        "run": ["--policy FILE", "--audit", "--log DEST", "--report[=FORMAT]", "--report-file PATH",
                "--fail-on block", "--fail-on audit", "-h, --help"],
        "report": ["--json", "--fail-on block", "--fail-on audit", "-h, --help"],
        "pin": ["--policy FILE", "--no-policy", "--ca-file FILE", "--servername NAME",
                "--insecure-fetch", "-h, --help"],
        "check": ["-h, --help"],
        "doctor": ["-h, --help"],
    }

    def test_help(self):
        for cmd, opts in self.HELP_OPTIONS.items():
            for flag in ("--help", "-h"):
                args = [flag] if cmd is None else [cmd, flag]
                rc, out, err = self.tg(*args)
                what = " ".join(args)
                expect(rc == 0 and err == "", f"{what}: exit {rc}, stderr {err!r}")
                expect(out.startswith("usage: tlsguard " + (cmd or "COMMAND")), f"{what}:\n{out}")
                expect("tlsguard(1)" in out, f"{what}: no pointer to the man page")
                for o in opts:
                    expect(re.search(r"^  %s  " % re.escape(o), out, re.M),
                           f"{what}: no line for option {o!r}:\n{out}")
        rc, out, err = self.tg("help", "run")
        expect(rc == 0 and out.startswith("usage: tlsguard run"), "tlsguard help run")
        rc, out, err = self.tg("run", "--audit", "--help", "--", "false")
        expect(rc == 0 and out.startswith("usage: tlsguard run"), "--help after another option")

    def test_version(self):
        changelog = open(os.path.join(REPO, "packaging", "debian", "changelog")).readline()
        want = re.match(r"tlsguard \(([^)-]+)", changelog).group(1)
        for flag in ("--version", "-V"):
            rc, out, err = self.tg(flag)
            expect(rc == 0 and out.splitlines()[0] == f"tlsguard {want}", f"{flag}: exit {rc}:\n{out}")
            for line in ("1.0.1", "1.0.2", "1.1.1", "3.x"):
                expect(line in out, f"{flag}: OpenSSL {line} not listed:\n{out}")

    def test_unknown_options(self):
        for cmd in (None, "run", "report", "pin", "check", "doctor"):
            args = ["--no-such-option"] if cmd is None else [cmd, "--no-such-option", "x"]
            rc, out, err = self.tg(*args)
            expect(rc == 2 and out == "", f"{args}: exit {rc}, stdout {out!r}")
            expect("'--no-such-option'" in err and "--help" in err,
                   f"{args}: the message does not name the option and point at --help: {err!r}")
        rc, out, err = self.tg("frobnicate")
        expect(rc == 2 and "unknown command 'frobnicate'" in err and "--help" in err, err)

    # ---- pin --policy / --ca-file, check with per-host anchors -------------

    def test_pin_policy_private_ca(self):
        """The test CA is private here: only the policy (or --ca-file) makes it trusted."""
        target = f"localhost:{self.server.port}"
        ip_target = f"127.0.0.1:{self.server.port}"
        host_pol = self.file("pin-host-ca.policy", f"host localhost\n    ca-file {self.pki}/ca.pem\n")
        glob_pol = self.file("pin-global-ca.policy", f"ca-file {self.pki}/ca.pem\n")
        bad_pol = self.file("pin-bad.policy", "host localhost\n    ca-file relative.pem\n")
        want = [self.ref["leaf"], self.ref["inter"], self.ref["ca"]]
        rc, out, err = self.fetch(target, ca="other")
        expect(rc == 1 and "refusing" in err, f"control, no policy: exit {rc}: {err}")
        rc, out, err = self.fetch(target, "--policy", host_pol, ca="other")
        expect(rc == 0 and pins_of(out) == want, f"--policy, host block: exit {rc}: {err}{out}")
        expect(f"# trusted: the default paths, {self.pki}/ca.pem ({host_pol}:1, host block)" in out,
               "no trusted line:\n" + out)
        rc, out, err = self.tg("pin", target, env_extra={"SSL_CERT_FILE": f"{self.pki}/other.pem",
                                                         "SSL_CERT_DIR": self.tmp,
                                                         "TLSGUARD_POLICY": host_pol})
        expect(rc == 0 and pins_of(out) == want, f"TLSGUARD_POLICY: exit {rc}: {err}")
        rc, out, err = self.tg("pin", "--no-policy", target, env_extra={
            "SSL_CERT_FILE": f"{self.pki}/other.pem", "SSL_CERT_DIR": self.tmp, "TLSGUARD_POLICY": host_pol})
        expect(rc == 1, f"--no-policy still used TLSGUARD_POLICY: exit {rc}")
        rc, out, err = self.fetch(ip_target, "--policy", host_pol, ca="other")
        expect(rc == 1 and "refusing" in err, f"localhost's anchors used for 127.0.0.1: exit {rc}")
        rc, out, err = self.fetch(ip_target, "--policy", glob_pol, ca="other")
        expect(rc == 0 and pins_of(out) == want, f"global ca-file: exit {rc}: {err}")
        rc, out, err = self.fetch(ip_target, "--ca-file", f"{self.pki}/ca.pem", ca="other")
        expect(rc == 0 and pins_of(out) == want and "(--ca-file)" in out, f"--ca-file: exit {rc}: {err}")
        rc, out, err = self.fetch(target, "--policy", bad_pol, ca="other")
        expect(rc == 1 and f"{bad_pol}:2: ca-file must be an absolute path" in err and out == "",
               f"invalid policy: exit {rc}: {err}")
        rc, out, err = self.tg("pin", "--policy", host_pol, f"{self.pki}/leaf.pem")
        expect(rc == 2, f"--policy with a FILE.pem: exit {rc}")

    def test_check_host_ca(self):
        ok = self.file("host-ca.policy", f"ca-file {self.pki}/ca.pem\nhost internal.example\n"
                                         f"    ca-file {self.pki}/other.pem\n    ca-dir {self.pki}\n")
        rc, out, err = self.tg("check", ok)
        expect(rc == 0 and out.strip() == f"{ok}: ok (1 host block)" and err == "",
               f"exit {rc}: {out}{err}")
        gone = self.file("host-ca-gone.policy", "host internal.example\n    mode enforce\n"
                                                f"    ca-file {self.tmp}/nope.pem\n")
        rc, out, err = self.tg("check", gone)
        expect(rc == 0 and f"{gone}:3: warning: ca-file {self.tmp}/nope.pem: No such file" in out
               and "with warnings" in out, f"exit {rc}: {out}{err}")
        rel = self.file("host-ca-rel.policy", "host internal.example\n    ca-dir certs\n")
        rc, out, err = self.tg("check", rel)
        expect(rc == 1 and f"{rel}:2: ca-dir must be an absolute path" in err, f"exit {rc}: {err}")

    # ---- the block line starts a line of its own ---------------------------

    def test_block_line_own_line(self):
        script = "printf 'progress 42%%' >&2; " + self.py()
        # a pipe: nobody can tell what is on the line, so a newline comes first
        rc, out, err = self.tree(script=script, ca="other")
        expect(rc == 1 and "progress 42%\ntlsguard: time=" in err,
               f"pipe: the block line is glued on: exit {rc}: {err!r}")
        # a regular file: the byte before tells
        for pre, want in (("progress 42%%", "progress 42%\ntlsguard: time="),
                          ("whole line\\n", "whole line\ntlsguard: time=")):
            path = os.path.join(self.tmp, "stderr.txt")
            with open(path, "wb") as f:
                p = subprocess.run([self.tool, "run", "--", "sh", "-c", f"printf '{pre}' >&2; " + self.py()],
                                   stdout=subprocess.DEVNULL, stderr=f, timeout=TIMEOUT,
                                   env=dict(os.environ, SSL_CERT_FILE=f"{self.pki}/other.pem",
                                            TLSGUARD_LIB=self.lib))
            text = open(path).read()
            expect(p.returncode == 1 and text.startswith(want),
                   f"stderr a file after {pre!r}: exit {p.returncode}: {text!r}")
        # curl's own progress meter (stdout to a file: the meter is on)
        need("curl")
        rc, out, err = self.tree(script=f"curl -o /dev/null https://localhost:{self.server.port}/",
                                 ca="other")
        at = [m.start() for m in re.finditer("tlsguard: time=", err)]
        expect(rc != 0 and len(at) == 1, f"curl was not blocked once: exit {rc}: {err!r}")
        expect(at[0] == 0 or err[at[0] - 1] == "\n", f"curl: glued to the meter: {err!r}")


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
