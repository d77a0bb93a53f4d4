#!/usr/bin/env python3
"""The tree's house rules (STYLE.md "The house", issue 13), checked on the tree.

    python3 tests/layout/check_layout.py [ROOT]

- Only shim/openssl/ names an OpenSSL type: no other file under shim/ has
  SSL, SSL_CTX, X509 or BIO as a word, comments included.
- shim/core/ and shim/libc/ include no header of a backend (shim/openssl/,
  and later shim/gnutls/, shim/nss/): the core reaches a backend only through
  shim/core/backend.h's table.
- No file over 600 lines under shim/, policy/, common/, tools/, tests/ and
  bench/ (C, headers, Python, shell, Ruby, make fragments); no function over
  80 lines there: a C function body is a line starting with "{" up to the
  next line starting with "}" (clang-format's Linux braces put only a
  function's there; tables are not functions); a Python function is a def,
  method or nested def, from its def line to its last line.

Prints `ok RULE` or `FAIL RULE: where`, then `N passed, N failed`; exits 1 on
any failure.
"""
import ast
import glob
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
SHIM = os.path.join(ROOT, "shim")
BACKENDS = ("openssl", "gnutls", "nss")
NEUTRAL = ("core", "libc")
MAX_FILE, MAX_FUNC = 600, 80
TREE = ("shim", "policy", "common", "tools", "tests", "bench")
SOURCE = (".c", ".h", ".py", ".sh", ".rb", ".mk")


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


def tree_files():
    for top in TREE:
        for folder, dirs, names in os.walk(os.path.join(ROOT, top)):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.endswith(SOURCE):
                    yield os.path.join(folder, name)


def c_functions(text):
    """(first line, lines) of each function body in C text: from a line
    starting with "{" to the next line starting with "}". .clang-format's
    BreakBeforeBraces: Linux (make check-format, every .c/.h of the tree)
    puts a function's braces, and only a function's, in column 0; a table's
    "= {" and a struct's "struct s {" open on their head's line."""
    out, start = [], None
    for i, line in enumerate(text.split("\n")):
        if line.startswith("{") and start is None:
            start = i
        elif line.startswith("}") and start is not None:
            out.append((start + 1, i - start + 1))
            start = None
    return out


def py_functions(text):
    """(first line, lines) of each def in Python text, methods and nested defs
    too; a file ast cannot parse (Python 2 only) is left to the file rule."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    return [(n.lineno, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def sizes():
    bad = []
    for path in tree_files():
        text = open(path, errors="replace").read()
        n = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if n > MAX_FILE:
            bad.append("%s: %d lines" % (rel(path), n))
        funcs = c_functions(text) if path.endswith((".c", ".h")) else \
            py_functions(text) if path.endswith(".py") else []
        for line, length in funcs:
            if length > MAX_FUNC:
                bad.append("%s:%d: function of %d lines" % (rel(path), line, length))
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
