#!/usr/bin/env python3
"""Robustness checks for libtlsguard.so: the shim never breaks the host program.

    python3 tests/robust/run.py robust   [--build build]   # make check-robust
    python3 tests/robust/run.py asan     [--build build]   # make check-asan  (builds build-asan/)
    python3 tests/robust/run.py tsan     [--build build]   # make check-tsan  (builds build/tsan/)
    python3 tests/robust/run.py valgrind [--build build]   # make check-valgrind

robust    threads (32 x 500 handshakes, shared and per-thread SSL_CTX, half to bad
          peers), fork and exec, OpenSSL used from constructors before the shim's
          own, a host whose stderr is closed or a full pipe nobody reads, a host that
          detaches like daemon(3), and the shim's exported symbols.
asan      the shim built with -fsanitize=address,undefined -fno-sanitize-recover=all
          (gcc), the sanitizer runtime linked statically into the shim itself, so that
          LD_PRELOAD=build-asan/libtlsguard.so puts it first in the process and the
          end-to-end suite runs unchanged (tests/e2e/run.py --build build-asan); then
          the C programs of this directory under it, with leak detection on.
tsan      the shim and a threaded client built with clang -fsanitize=thread: no race
          report.
valgrind  memcheck over 1 000 good and 1 000 blocked handshakes under the shim: no
          invalid access, no definite leak (valgrind.supp: OpenSSL/libc noise only).

The checks are in rb_checks.py (robust) and rb_sanitizers.py (asan, tsan,
valgrind), what they share in rb_lib.py; the C programs are made by make
(tests/programs.mk) into BUILD/tests/<openssl>/.
Peers are real `openssl s_server` processes on 127.0.0.1 (free ports), the test PKI is
tests/lib/pki.py's, OpenSSL 1.1.1 comes from tests/lib/fetch-openssl11.sh. Each check
prints `ok   NAME` or `FAIL NAME: why`; the run ends with `N passed, N failed` and
exits 1 if anything failed. Python 3 standard library only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
from tgtest import old_openssl_builds, openssl_builds  # noqa: E402
from rb_lib import Report, Setup, build_programs  # noqa: E402
from rb_checks import robust_checks  # noqa: E402
from rb_sanitizers import asan_checks, tsan_checks, valgrind_checks  # noqa: E402


def old_builds(rep):
    """OpenSSL 1.0.2u and 1.0.1e from ../shared/vendor (built once): absent
    sources give one SKIP line, a failed build a failed check."""
    old, skips, errors = old_openssl_builds(("ossl102", "ossl101"))
    for line in skips:
        print(line if line.startswith("SKIP") else "SKIP: " + line, flush=True)
    for name, text in errors:
        rep("%s/setup" % name, text)
    return old


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["robust", "asan", "tsan", "valgrind"])
    ap.add_argument("--build", default="build", help="dir holding libtlsguard.so (default build)")
    ap.add_argument("--keep", action="store_true", help="keep temp dirs")
    args = ap.parse_args(argv)
    args.build = os.path.join(REPO, args.build) if not os.path.isabs(args.build) else args.build
    os.chdir(REPO)
    rep = Report()
    t0 = time.monotonic()
    need = {"asan": ["gcc", "nm"], "tsan": ["clang", "nm", "addr2line"], "valgrind": ["valgrind"],
            "robust": ["nm"]}[args.what] + ["openssl", "cc"]
    missing = [t for t in need if not shutil.which(t)]
    if missing:
        rep("setup", "not installed: %s (Debian: apt-get install %s)" % (
            " ".join(missing), " ".join({"nm": "binutils", "addr2line": "binutils"}.get(t, t) for t in missing)))
        return rep.summary()
    if args.what == "tsan":
        rt = subprocess.run(["clang", "-print-file-name=libclang_rt.tsan-x86_64.a"], stdout=subprocess.PIPE)
        if not os.path.isfile(rt.stdout.decode().strip()):
            rep("setup", "clang's TSan runtime is not installed (Debian: apt-get install libclang-rt-dev)")
            return rep.summary()
    try:
        builds = openssl_builds()
        if args.what == "robust":
            bins = {o.name: build_programs(args.build, o) for o in builds}
            old = old_builds(rep)
            for o in old:
                bins[o.name] = build_programs(args.build, o,
                                              progs=("rb_threads", "rb_fork"))
            with Setup(args.keep) as st:
                robust_checks(rep, st, args.build, bins, builds, old)
        elif args.what == "asan":
            asan_checks(rep, args, builds)
        elif args.what == "tsan":
            tsan_checks(rep, args, builds)
        else:
            valgrind_checks(rep, args, builds)
    except RuntimeError as e:
        rep("setup", str(e))
    except KeyboardInterrupt:
        rep("interrupted", "stopped by a signal")
    print("# %s: %.1fs" % (args.what, time.monotonic() - t0))
    return rep.summary()


if __name__ == "__main__":
    sys.exit(main())
