#!/bin/sh
# test_load_cost.sh [BUILD] — what the library costs a program that never
# uses TLS, checked on the built library's structure, not by timing:
#   - DT_NEEDED names libc.so.6 alone: each object there joins the global
#     scope, which ld.so searches for every symbol any library of the
#     process looks up (libdl.so.2 cost curl ~0.4 M instructions a start;
#     shim/libc/dl_entry.c finds dlopen & co at run time instead);
#   - RELRO kept (the imports stay bound at load: see the Makefile on why
#     not -z lazy).
# The figures themselves are bench/run.py's (/bin/true row).
set -u

BUILD=${1:-build}
lib=$(cd "$BUILD" && pwd)/libtlsguard.so
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }

needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if [ "$needed" = "libc.so.6 " ]; then
    ok "DT_NEEDED is libc.so.6 alone"
else
    bad "DT_NEEDED beyond libc.so.6: every symbol lookup of the process searches it" "$needed"
fi

if readelf -lW "$lib" | grep -q GNU_RELRO; then
    ok "RELRO kept"
else
    bad "no GNU_RELRO segment"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
