"""What the cases of test_cli.py share: running a command, failing a case,
the reference pin, the s_server serving the chain, the suite's own helpers."""

import os
import re
import shutil
import signal
import subprocess
import sys

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


class SuiteBase:
    """The temp dir, the chain PKI and its server, and the suite's helpers."""

    def __init__(self, build, tmp):
        self.tool = os.path.join(build, "tlsguard")
        self.lib = os.path.join(build, "libtlsguard.so")
        self.tmp = tmp
        self.pki = os.path.join(tmp, "pki")
        pki.make(self.pki, "chain")   # root CA -> intermediate -> leaf, and an unrelated CA
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

