"""What the cases of test_cli.py share: running a command, failing a case,
the reference pin, the s_server serving the chain, the suite's own helpers."""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import pki  # noqa: E402  (tests/lib/pki.py: the one test PKI)
import servers  # noqa: E402  (tests/lib/servers.py: the one server wrapper)

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


def SServer(d):
    """`openssl s_server` on 127.0.0.1, a free port, leaf + intermediate sent; started."""
    return servers.s_server("openssl s_server", d, "leaf", ["-cert_chain", os.path.join(d, "inter.pem")],
                            os.path.join(d, "s_server.out"), stdin=subprocess.DEVNULL).start()


class ToolSuite:
    """The temp dir and the tool: what test_doctor.py's suite needs."""

    def __init__(self, build, tmp):
        self.tool = os.path.join(build, "tlsguard")
        self.tmp = tmp

    def close(self):
        pass

    def tg(self, *args, **kw):
        return run([self.tool] + list(args), **kw)

    def file(self, name, data, mode=0o644):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, mode)
        return path


class SuiteBase(ToolSuite):
    """The temp dir, the chain PKI and its server, and the suite's helpers."""

    def __init__(self, build, tmp):
        super().__init__(build, tmp)
        self.lib = os.path.join(build, "libtlsguard.so")
        self.pki = os.path.join(tmp, "pki")
        pki.make(self.pki, "chain")   # root CA -> intermediate -> leaf, and an unrelated CA
        self.server = SServer(self.pki)
        self.ref = {n: reference_pin(f"{self.pki}/{n}.pem") for n in ("leaf", "inter", "ca", "other")}

    def close(self):
        self.server.stop()

    def pem(self, *names):
        return "".join(open(f"{self.pki}/{n}.pem").read() for n in names)



def run_suite(suite_class, doc, prefix, argv=None):
    """The main of test_cli.py and test_doctor.py: every test_* method of
    suite_class (--only: those whose name matches), `ok NAME`, `skip NAME:
    why` or `FAIL NAME: why` each, then `N passed, N failed`; 1 on any
    failure (a suite that cannot be set up is one)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--only", help="run the cases whose name matches this regex")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args(argv)
    build = os.path.abspath(args.build)
    if not os.access(os.path.join(build, "tlsguard"), os.X_OK):
        print(f"FAIL setup: {build}/tlsguard not built")
        print("0 passed, 1 failed")
        return 1
    names = sorted(n for n in dir(suite_class) if n.startswith("test_"))
    if args.only:
        names = [n for n in names if re.search(args.only, n[5:])]
    tmp = tempfile.mkdtemp(prefix=prefix)
    passed = failed = 0
    suite = None
    try:
        try:
            suite = suite_class(build, tmp)
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
