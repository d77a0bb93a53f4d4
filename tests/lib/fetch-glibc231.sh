#!/bin/sh
# fetch-glibc231.sh [DEST] — Debian bullseye's libc6 (glibc 2.31, from before
# libdl and libpthread moved into libc) unpacked into DEST/root, to run
# programs under that glibc's own ld.so without touching the system's:
#
#   DEST/root/lib/x86_64-linux-gnu/ld-2.31.so --library-path DIRS PROGRAM ...
#
# A private apt configuration (tests/lib/apt-source.sh's fetch_bullseye, as
# fetch-openssl11.sh; the archive's address from the machine's own apt sources). DEST defaults to
# tests/.cache/glibc231. Idempotent: does nothing when ld-2.31.so is there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
DEST=${1:-"$here/../.cache/glibc231"}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
[ -e "$DEST/root/lib/x86_64-linux-gnu/ld-2.31.so" ] && exit 0

. "$here/apt-source.sh"
fetch_bullseye fetch-glibc231 "$DEST" libc6
[ -e "$DEST/root/lib/x86_64-linux-gnu/ld-2.31.so" ] || { echo "fetch-glibc231: no ld-2.31.so in libc6" >&2; exit 1; }
