#!/bin/sh
# build-vendor.sh WHAT [CACHE] — build an old upstream library from
# ../shared/vendor (beside the checkout) into a cache the tests own, once.
#
#   WHAT: openssl-1.0.1e | openssl-1.0.2u | openssl-1.0.2u-so10 | python-2.7.6
#   CACHE: default $TLSGUARD_TEST_CACHE, else tests/.cache (gitignored).
#   Result: CACHE/WHAT/ (a prefix: lib/, include/, bin/), with CACHE/WHAT/.done
#   once complete. openssl-1.0.2u-so10 is 1.0.2u under CentOS 7's sonames
#   (libssl.so.10, libcrypto.so.10), made with patchelf. python-2.7.6 is linked
#   against openssl-1.0.1e (CentOS 6's base) and carries requests 2.5.1 in
#   CACHE/python-2.7.6/requests.
#
# Exit 0: built (or already there). Exit 77: the vendor folder is absent (a
# user's own clone): the caller SKIPs with the line printed on stdout.
set -eu

WHAT=${1:?usage: build-vendor.sh WHAT [CACHE]}
here=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$here/../.." && pwd)
CACHE=${2:-${TLSGUARD_TEST_CACHE:-$REPO/tests/.cache}}
VENDOR=${TLSGUARD_VENDOR:-$REPO/../shared/vendor}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
OUT="$CACHE/$WHAT"

[ -e "$OUT/.done" ] && exit 0

need() {
    if [ ! -r "$VENDOR/$1" ]; then
        echo "SKIP: $VENDOR/$1 is absent (the vendor folder beside the checkout holds the old upstream sources)"
        exit 77
    fi
}

# One build at a time per target, even from parallel test drivers.
exec 9>"$CACHE/.$WHAT.lock"
flock 9
[ -e "$OUT/.done" ] && exit 0

log="$CACHE/$WHAT.build.log"
work="$CACHE/.work-$WHAT"
rm -rf "$work" "$OUT"
mkdir -p "$work"

build_openssl() { # VERSION PREFIX
    need "openssl-$1.tar.gz"
    tar -xzf "$VENDOR/openssl-$1.tar.gz" -C "$work"
    src=$(find "$work" -maxdepth 1 -type d -name "openssl*" | head -n 1)
    ( cd "$src" &&
      ./config shared no-asm --prefix="$2" --openssldir="$2/ssl" &&
      make depend && make -j1 && make install_sw ) >"$log" 2>&1 || {
        echo "build-vendor: OpenSSL $1 failed; last lines of $log:" >&2
        tail -n 30 "$log" >&2
        exit 1
    }
}

case "$WHAT" in
openssl-1.0.1e|openssl-1.0.2u)
    build_openssl "${WHAT#openssl-}" "$OUT"
    ;;
openssl-1.0.2u-so10)
    command -v patchelf >/dev/null || { echo "build-vendor: patchelf is not installed" >&2; exit 1; }
    sh "$0" openssl-1.0.2u "$CACHE"
    mkdir -p "$OUT"
    cp -a "$CACHE/openssl-1.0.2u/include" "$CACHE/openssl-1.0.2u/bin" "$OUT/"
    mkdir -p "$OUT/lib"
    cp "$CACHE/openssl-1.0.2u/lib/libssl.so.1.0.0" "$OUT/lib/libssl.so.10"
    cp "$CACHE/openssl-1.0.2u/lib/libcrypto.so.1.0.0" "$OUT/lib/libcrypto.so.10"
    patchelf --set-soname libssl.so.10 "$OUT/lib/libssl.so.10"
    patchelf --set-soname libcrypto.so.10 "$OUT/lib/libcrypto.so.10"
    patchelf --replace-needed libcrypto.so.1.0.0 libcrypto.so.10 "$OUT/lib/libssl.so.10"
    ln -s libssl.so.10 "$OUT/lib/libssl.so"
    ln -s libcrypto.so.10 "$OUT/lib/libcrypto.so"
    ;;
python-2.7.6)
    need Python-2.7.6.tar.gz
    need requests-2.5.1.tar.gz
    sh "$0" openssl-1.0.1e "$CACHE"
    P="$CACHE/openssl-1.0.1e"
    tar -xzf "$VENDOR/Python-2.7.6.tar.gz" -C "$work"
    src=$(find "$work" -maxdepth 1 -type d -name "Python*" | head -n 1)
    ( cd "$src" &&
      ./configure --prefix="$OUT" CPPFLAGS="-I$P/include" LDFLAGS="-L$P/lib -Wl,-rpath,$P/lib" &&
      make -j2 && make install ) >"$log" 2>&1 || {
        echo "build-vendor: Python 2.7.6 failed; last lines of $log:" >&2
        tail -n 30 "$log" >&2
        exit 1
    }
    "$OUT/bin/python2.7" -c 'import ssl' >>"$log" 2>&1 || {
        echo "build-vendor: Python 2.7.6 was built without a working ssl module (see $log)" >&2
        exit 1
    }
    mkdir -p "$OUT/requests.tmp"
    tar -xzf "$VENDOR/requests-2.5.1.tar.gz" -C "$OUT/requests.tmp"
    top=$(find "$OUT/requests.tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
    mv "$top" "$OUT/requests"
    rmdir "$OUT/requests.tmp"
    ;;
*)
    echo "build-vendor: unknown target $WHAT" >&2
    exit 2
    ;;
esac
rm -rf "$work"
touch "$OUT/.done"
