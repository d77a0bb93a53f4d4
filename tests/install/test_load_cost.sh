#!/bin/sh
# test_load_cost.sh [BUILD] — what the library costs a program that never
# uses TLS, checked on the built library's structure and on ld.so's own
# account of a start-up (LD_DEBUG=bindings), not by timing:
#   - DT_NEEDED names libc.so.6 alone: each object there joins the global
#     scope, which ld.so searches for every symbol any library of the
#     process looks up (libdl.so.2 cost curl ~0.4 M instructions a start;
#     shim/libc/dl_entry.c finds dlopen & co at run time instead);
#   - the library is bound lazily (no BIND_NOW / DF_1_NOW) with RELRO kept,
#     and /bin/true under LD_PRELOAD binds at most 20 of its imports (the
#     constructor's), not all ~75 of them as -z now did.
# The figures themselves are bench/run.py's (/bin/true row).
set -u

BUILD=${1:-build}
lib=$(cd "$BUILD" && pwd)/libtlsguard.so
pass=0
fail=0
MAX_BOUND=20

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }

needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if [ "$needed" = "libc.so.6 " ]; then
    ok "DT_NEEDED is libc.so.6 alone"
else
    bad "DT_NEEDED beyond libc.so.6: every symbol lookup of the process searches it" "$needed"
fi

dyn=$(readelf -d "$lib")
if printf '%s\n' "$dyn" | grep -q 'BIND_NOW\|Flags:.*NOW'; then
    bad "bound eagerly (BIND_NOW): ld.so looks up every import at each start" \
        "$(printf '%s\n' "$dyn" | grep 'FLAGS')"
else
    ok "bound lazily"
fi
if readelf -lW "$lib" | grep -q GNU_RELRO; then
    ok "RELRO kept"
else
    bad "no GNU_RELRO segment"
fi

bound=$(LD_DEBUG=bindings LD_PRELOAD="$lib" /bin/true 2>&1 | grep -c "binding file $lib ")
if [ "$bound" -le "$MAX_BOUND" ]; then
    ok "/bin/true under LD_PRELOAD: $bound of the library's imports bound (<= $MAX_BOUND)"
else
    bad "/bin/true under LD_PRELOAD: $bound of the library's imports bound (> $MAX_BOUND)" \
        "$(LD_DEBUG=bindings LD_PRELOAD="$lib" /bin/true 2>&1 | grep "binding file $lib " | sed 's/.*symbol //' | head -20)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
