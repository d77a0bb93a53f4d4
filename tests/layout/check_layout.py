#!/usr/bin/env python3
"""The shim's house rules (STYLE.md "The house", issue 13), checked on the tree.

    python3 tests/layout/check_layout.py [ROOT]

- Only shim/openssl/ names an OpenSSL type: no other file under shim/ has
  SSL, SSL_CTX, X509 or BIO as a word, comments included.
- shim/core/ and shim/libc/ include no header of a backend (shim/openssl/,
  and later shim/gnutls/, shim/nss/): the core reaches a backend only through
  shim/core/backend.h's table.
- No file under shim/ over 600 lines; no function over 80 lines (a function
  body is a line starting with "{" up to the next line starting with "}";
  tables are not functions).

Prints `ok RULE` or `FAIL RULE: where`, then `N passed, N failed`; exits 1 on
any failure.
"""
import glob
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
SHIM = os.path.join(ROOT, "shim")
BACKENDS = ("openssl", "gnutls", "nss")
NEUTRAL = ("core", "libc")
MAX_FILE, MAX_FUNC = 600, 80


def files(folders, exts=(".c", ".h")):
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(SHIM, folder, "*"))):
            if path.endswith(exts):
                yield path


def rel(path):
    return os.path.relpath(path, ROOT)


def no_tls_types():
    word = re.compile(r"\b(SSL|SSL_CTX|X509|BIO)\b")
    others = [d for d in os.listdir(SHIM) if d != "openssl" and os.path.isdir(os.path.join(SHIM, d))]
    others += ["."]
    bad = []
    for path in files(others, exts=("",)):
        if os.path.isfile(path) and word.search(open(path, errors="replace").read()):
            bad.append(rel(path))
    return bad


def backend_headers():
    mine = {}
    for b in BACKENDS:
        for path in glob.glob(os.path.join(SHIM, b, "*.h")):
            mine[os.path.basename(path)] = b
    neutral = {os.path.basename(p) for p in files(NEUTRAL, exts=(".h",))}
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    bad = []
    for path in files(NEUTRAL):
        for name in inc.findall(open(path).read()):
            base = os.path.basename(name)
            if "/" in name and name.split("/")[-2] in BACKENDS or (base in mine and base not in neutral):
                bad.append("%s includes %s" % (rel(path), name))
    return bad


def sizes():
    bad = []
    for path in files([d for d in os.listdir(SHIM) if os.path.isdir(os.path.join(SHIM, d))]):
        lines = open(path, errors="replace").read().split("\n")
        if len(lines) - 1 > MAX_FILE:
            bad.append("%s: %d lines" % (rel(path), len(lines) - 1))
        start = None
        for i, line in enumerate(lines):
            if line.startswith("{") and start is None:
                start = i
            elif line.startswith("}") and start is not None:
                if i - start + 1 > MAX_FUNC:
                    bad.append("%s:%d: function of %d lines" % (rel(path), start, i - start + 1))
                start = None
    return bad


def main():
    passed = failed = 0
    for rule, check in (("no TLS library type outside shim/openssl/", no_tls_types),
                        ("core and libc include no backend header", backend_headers),
                        ("files <= %d lines, functions <= %d" % (MAX_FILE, MAX_FUNC), sizes)):
        bad = check()
        if bad:
            failed += 1
            print("FAIL %s: %s" % (rule, "; ".join(bad)))
        else:
            passed += 1
            print("ok   %s" % rule)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
