#!/bin/sh
# fetch-openssl11.sh [DEST] — get OpenSSL 1.1.1 (Debian bullseye's libssl1.1,
# libssl-dev and openssl packages) into DEST/root without touching the system's
# libssl: a private apt configuration, `apt-get download`, then `dpkg -x`.
#
#   DEST defaults to tests/.cache/openssl11 (gitignored).
#   Result: DEST/root/usr/lib/x86_64-linux-gnu/libssl.so.1.1 (+ libcrypto),
#           DEST/root/usr/include (+ usr/include/x86_64-linux-gnu/openssl/opensslconf.h),
#           DEST/root/usr/bin/openssl, DEST/openssl.cnf (empty: Debian 12's
#           /etc/ssl/openssl.cnf is written for 3.0; use OPENSSL_CONF=DEST/openssl.cnf).
#   Run 1.1.1 programs with LD_LIBRARY_PATH=DEST/root/usr/lib/x86_64-linux-gnu.
#
# The archive's address is taken at run time from the machine's own apt
# sources (the entry serving Debian's main archive, not -security).
# Idempotent: does nothing when libssl.so.1.1 is already there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
DEST=${1:-"$here/../.cache/openssl11"}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
LIBDIR="$DEST/root/usr/lib/x86_64-linux-gnu"
: > "$DEST/openssl.cnf.tmp" && mv "$DEST/openssl.cnf.tmp" "$DEST/openssl.cnf"

if [ -e "$LIBDIR/libssl.so.1.1" ] && [ -e "$DEST/root/usr/bin/openssl" ] \
   && [ -e "$DEST/root/usr/include/openssl/ssl.h" ]; then
    exit 0
fi

# --- bullseye's packages through a private apt (tests/lib/apt-source.sh) --
. "$here/apt-source.sh"
fetch_bullseye fetch-openssl11 "$DEST" libssl1.1 libssl-dev openssl

if [ ! -e "$LIBDIR/libssl.so.1.1" ]; then
    echo "fetch-openssl11: libssl.so.1.1 missing after unpacking" >&2
    exit 1
fi
# libssl-dev's libssl.so symlink is absolute-in-package (relative target): check the link works.
[ -e "$LIBDIR/libssl.so" ] || ln -sf libssl.so.1.1 "$LIBDIR/libssl.so"
[ -e "$LIBDIR/libcrypto.so" ] || ln -sf libcrypto.so.1.1 "$LIBDIR/libcrypto.so"
echo "fetch-openssl11: $(LD_LIBRARY_PATH="$LIBDIR" OPENSSL_CONF="$DEST/openssl.cnf" \
    "$DEST/root/usr/bin/openssl" version) in $DEST/root" >&2
