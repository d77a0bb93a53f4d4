#!/bin/sh
# build.sh OUTDIR [OPENSSL_ROOT] — compile the legacy test clients.
#   Without OPENSSL_ROOT: against the system OpenSSL (3.0 on Debian 12).
#   With OPENSSL_ROOT: against its headers and libraries, with an rpath to
#   them, so the clients run against that libssl (LD_LIBRARY_PATH to the same
#   dir works too). Two layouts:
#     a dpkg -x tree (tests/.cache/openssl11/root): usr/include, usr/lib/x86_64-linux-gnu;
#     a prefix (tests/lib/build-vendor.sh's builds): include, lib.
#   The clients then need that lib dir's libssl by its soname (DT_NEEDED), e.g.
#   libssl.so.10 for a prefix whose lib/libssl.so points there.
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
    if [ -d "$ROOT/usr/include/openssl" ]; then
        LIB="$ROOT/usr/lib/x86_64-linux-gnu"
        CFLAGS="$CFLAGS -I$ROOT/usr/include -I$ROOT/usr/include/x86_64-linux-gnu"
    elif [ -d "$ROOT/include/openssl" ]; then
        LIB="$ROOT/lib"
        CFLAGS="$CFLAGS -I$ROOT/include"
    else
        echo "build.sh: $ROOT has neither usr/include/openssl nor include/openssl" >&2
        exit 2
    fi
    set -- -L"$LIB" -Wl,-rpath,"$LIB" -lssl -lcrypto
fi

for c in legacy_tls1 legacy_cb legacy_nonblock legacy_bio legacy_membio legacy_roads late_anchors; do
    # shellcheck disable=SC2086
    $CC $CFLAGS -I"$SRC" -o "$OUT/$c" "$SRC/$c.c" "$SRC/common.c" "$@"
done
