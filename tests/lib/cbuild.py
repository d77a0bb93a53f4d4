"""The C test programs, built by make (tests/programs.mk: one set of flags)
against one OpenSSL each: the drivers name the programs, this passes the
OpenSSL's own flags (an OpensslBuild's cflags and ldflags) to make."""

import os
import subprocess

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(TESTS)


def bin_dir(build: str, ossl) -> str:
    """Where make puts the programs built against `ossl` (an OpensslBuild or
    its name): BUILD/tests/<name>."""
    return os.path.join(os.path.abspath(build), "tests", getattr(ossl, "name", ossl))


def build(build: str, ossl, progs, cc=None, san=None, werror=True, bindir=None, jobs=1) -> str:
    """Makes `progs` (file names, e.g. legacy_cb, adv_plugin.so) against
    `ossl` into bin_dir(build, ossl), or `bindir`; returns that directory.
    cc/san/werror: a sanitizer variant's compiler, its -fsanitize flags, and
    whether warnings stay errors; jobs: make -j. Raises RuntimeError with
    make's output."""
    out = os.path.abspath(bindir) if bindir else bin_dir(build, ossl)
    argv = ["make", "-s", "-j%d" % jobs, "-C", REPO, "BUILD=" + os.path.abspath(build), "TEST_OSSL=" + ossl.name,
            "TEST_BIN=" + out, "OSSL_CFLAGS=" + " ".join(ossl.cflags),
            "OSSL_LDFLAGS=" + " ".join(ossl.ldflags)]
    if cc:
        argv.append("CC=" + cc)
    if san:
        argv.append("TEST_SAN=" + san)
    if not werror:
        argv.append("TEST_WERROR=")
    # A driver run from make must not hand the outer make's flags (jobserver
    # fds it does not have, CFLAGS= of a shim variant) to this one.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    p = subprocess.run(argv + [os.path.join(out, prog) for prog in progs], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("building %s against %s failed (exit %d):\n%s" % (
            " ".join(progs), ossl.label, p.returncode, p.stdout.decode(errors="replace")[-3000:]))
    return out
