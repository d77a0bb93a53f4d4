#!/bin/sh
# test_load_cost.sh [BUILD] — what the library costs a program that never
# uses TLS, checked on the built library's structure, not by timing:
#   - DT_NEEDED names libc.so.6 alone: each object there joins the global
#     scope, which ld.so searches for every symbol any library of the
#     process looks up (libdl.so.2 cost curl ~0.4 M instructions a start;
#     shim/libc/dl_entry.c finds dlopen & co at run time instead);
#   - the library's imports bound at first call, not at load (no BIND_NOW:
#     ~600 instructions each, ~70 of them, at every start; the Makefile says
#     why lazy binding is safe around fork), with RELRO kept.
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

flags=$(readelf -dW "$lib" | grep -E '\((FLAGS|FLAGS_1)\)')
if printf '%s\n' "$flags" | grep -qE 'BIND_NOW|Flags:.* NOW'; then
    bad "imports bound at load (BIND_NOW): each costs every process a symbol lookup at start" "$flags"
else
    ok "imports bound at first call (no BIND_NOW)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
