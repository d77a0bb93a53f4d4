#!/bin/sh
# fetch-glibc231.sh [DEST] — Debian bullseye's libc6 (glibc 2.31, from before
# libdl and libpthread moved into libc) unpacked into DEST/root, to run
# programs under that glibc's own ld.so without touching the system's:
#
#   DEST/root/lib/x86_64-linux-gnu/ld-2.31.so --library-path DIRS PROGRAM ...
#
# Same private apt configuration as fetch-openssl11.sh (the archive's address
# taken from the machine's own apt sources). DEST defaults to
# tests/.cache/glibc231. Idempotent: does nothing when ld-2.31.so is there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
DEST=${1:-"$here/../.cache/glibc231"}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
[ -e "$DEST/root/lib/x86_64-linux-gnu/ld-2.31.so" ] && exit 0

. "$here/apt-source.sh"
URI=$(find_uri | head -n 1)
if [ -z "$URI" ]; then
    echo "fetch-glibc231: no Debian archive URI found in /etc/apt sources" >&2
    exit 1
fi
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || { echo "fetch-glibc231: $KEYRING missing" >&2; exit 1; }

APT="$DEST/apt"
rm -rf "$APT"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/debs"
echo "deb [signed-by=$KEYRING] $URI bullseye main" > "$APT/sources.list"
: > "$APT/status"
set -- -o Dir::Etc::SourceList="$APT/sources.list" \
       -o Dir::Etc::SourceParts=/nonexistent \
       -o Dir::State::Lists="$APT/lists" \
       -o Dir::Cache="$APT/cache" \
       -o Dir::State::status="$APT/status" \
       -o APT::Get::List-Cleanup=0 \
       -o Debug::NoLocking=1 \
       -o APT::Sandbox::User=root

echo "fetch-glibc231: fetching bullseye libc6" >&2
apt-get -q "$@" update >&2
(cd "$APT/debs" && apt-get -q "$@" download libc6 >&2)
rm -rf "$DEST/root.tmp"
mkdir -p "$DEST/root.tmp"
for deb in "$APT"/debs/*.deb; do dpkg -x "$deb" "$DEST/root.tmp"; done
rm -rf "$DEST/root"
mv "$DEST/root.tmp" "$DEST/root"
[ -e "$DEST/root/lib/x86_64-linux-gnu/ld-2.31.so" ] || { echo "fetch-glibc231: no ld-2.31.so in libc6" >&2; exit 1; }
