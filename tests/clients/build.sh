#!/bin/sh
# build.sh OUTDIR [OPENSSL_ROOT] — compile the legacy test clients.
#   Without OPENSSL_ROOT: against the system OpenSSL (3.0 on Debian 12).
#   With OPENSSL_ROOT (a dpkg -x tree such as tests/.cache/openssl11/root):
#   against its headers and libraries, with an rpath to them, so the clients
#   run against that libssl (LD_LIBRARY_PATH to the same dir works too).
set -eu

OUT=${1:?usage: build.sh OUTDIR [OPENSSL_ROOT]}
ROOT=${2:-}
SRC=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-cc}
mkdir -p "$OUT"

# Deprecated APIs (TLSv1_client_method & co.) are the point of these clients.
CFLAGS="-std=gnu99 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Wshadow -Wno-deprecated-declarations"
set -- -lssl -lcrypto
if [ -n "$ROOT" ]; then
    ROOT=$(cd "$ROOT" && pwd)
    LIB="$ROOT/usr/lib/x86_64-linux-gnu"
    CFLAGS="$CFLAGS -I$ROOT/usr/include -I$ROOT/usr/include/x86_64-linux-gnu"
    set -- -L"$LIB" -Wl,-rpath,"$LIB" -lssl -lcrypto
fi

for c in legacy_tls1 legacy_cb legacy_nonblock legacy_bio legacy_membio legacy_roads late_anchors; do
    # shellcheck disable=SC2086
    $CC $CFLAGS -I"$SRC" -o "$OUT/$c" "$SRC/$c.c" "$SRC/common.c" "$@"
done
