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

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from cli_lib import SuiteBase, run_suite  # noqa: E402
from cli_pin import PinCases  # noqa: E402
from cli_run import RunCases  # noqa: E402


class Suite(SuiteBase, PinCases, RunCases):
    """Every case: a method test_NAME of the classes above (cli_pin.py, cli_run.py)."""


def main():
    return run_suite(Suite, __doc__, "tlsguard-cli-")


if __name__ == "__main__":
    sys.exit(main())
