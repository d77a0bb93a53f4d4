"""The cases of test_cli.py for `tlsguard pin` and `tlsguard check`."""

import base64
import hashlib
import os
import re
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from cli_lib import HOST_RE, PIN_RE, Skip, expect, pins_of  # noqa: E402


class PinCases:
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

