#!/usr/bin/env python3
"""End-to-end tests for `tlsguard pin` and `tlsguard check` (doctor: test_doctor.py).

    python3 tests/e2e/test_cli.py --build build [--only REGEX] [--keep]

The cases are the test_NAME methods of cli_pin.py (pin, check) and cli_run.py
(run, report, --help, the block line); cli_lib.py holds what they share.

pin: certificates made in a temp dir (tests/lib/pki.py's chain set); every pin is
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
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from cli_lib import Fail, Skip, SuiteBase  # noqa: E402
from cli_pin import PinCases  # noqa: E402
from cli_run import RunCases  # noqa: E402


class Suite(SuiteBase, PinCases, RunCases):
    """Every case: a method test_NAME of the classes above (cli_pin.py, cli_run.py)."""


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
