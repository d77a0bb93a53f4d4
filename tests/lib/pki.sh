#!/bin/sh
# pki.sh DIR — the test PKI (the "local" set) for shell scripts and the bench:
# tests/lib/pki.py makes it, and says what is in it.
exec "${PYTHON:-python3}" "$(dirname "$0")/pki.py" "$@"
