"""The cases of test_cli.py for `tlsguard run`, `tlsguard report`, --help,
--version, unknown options, and the block line of the shim."""

import json
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from cli_lib import PY_CLIENT, TIMEOUT, Skip, expect, need, run  # noqa: E402


class RunCases:
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

