#!/bin/sh
# test_glibc_floor.sh [BUILD] — the shipped libtlsguard.so loads on glibc 2.12
# (CentOS 6) wherever it was built:
#   - no imported symbol needs a GLIBC_ version above 2.12, and no version
#     namespace other than GLIBC_ (no OPENSSL_*: libssl is never linked);
#   - every version need ld.so checks at load (readelf -V) is <= GLIBC_2.12,
#     and every dynamic tag is one glibc 2.12's ld.so knows (no DT_RELR);
#   - every import is one glibc 2.12 had: its version is still the default
#     one of the name in this machine's glibc (glibc adds a version when a
#     function changes or moves, and never drops one, so a default version
#     <= 2.12 was there in 2.12), or it is a reviewed case (dl*/pthread_*/
#     sem_* lived in libdl/libpthread, memcpy@GLIBC_2.2.5 was the memcpy);
#   - DT_NEEDED names only libc.so.6, libdl.so.2, libpthread.so.0, ld-linux;
#   - libdl.so.2 is in DT_NEEDED when dl* is imported, libpthread.so.0 when
#     a pthread_* / sem_* is other than the few libc.so.6 itself has exported
#     since 2.3 (pthread_mutex_lock/unlock/init/destroy, pthread_self,
#     pthread_equal, pthread_cond_*, pthread_attr_init/destroy, all at
#     GLIBC_2.2.5): on glibc < 2.34 the others live in libdl/libpthread;
#   - shim/libc/glibc_compat.h (+ glibc_compat.c) binds everything it lists, also
#     with _FILE_OFFSET_BITS=64 and _FORTIFY_SOURCE=2 (a probe that calls each
#     one, built as a .so), and the probe built without them needs versions
#     above the floor (memcpy, __poll_chk, __fdelt_chk): the check can fail.
# Prints the library's version table and "N passed, N failed"; exit status 1
# if any failed.
set -u

BUILD=${1:-build}
FLOOR=2.12
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
lib=$BUILD/libtlsguard.so
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }

# "VERSION SYMBOL" for each undefined dynamic symbol of $1 that has a version.
imports() {
    objdump -T "$1" | awk '$0 ~ /\*UND\*/ && $(NF-1) ~ /^\(.*\)$/ {
        v = $(NF-1); gsub(/[()]/, "", v); print v, $NF }'
}

# Symbols of $1 that need a GLIBC_ version above $FLOOR, one "sym@VER" a line.
above_floor() {
    imports "$1" | while read -r ver sym; do
        case $ver in GLIBC_[0-9]*) ;; *) continue ;; esac
        n=${ver#GLIBC_}
        top_ver=$(printf '%s\n%s\n' "$n" "$FLOOR" | sort -V | tail -1)
        [ "$top_ver" = "$FLOOR" ] || echo "$sym@$ver"
    done
}

highest() {
    objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -uV | tail -1
}

# "SYMBOL VERSION default|compat" for what this machine's glibc objects
# (those $1 resolves to) define.
glibc_defs() {
    for obj in $(ldd "$1" | awk '/libc\.so\.6|libdl\.so\.2|libpthread\.so\.0|ld-linux/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
        objdump -T "$obj" | awk 'NF > 3 && $0 !~ /\*UND\*/ && $(NF-1) ~ /GLIBC_/ && $NF !~ /^GLIBC_/ {
            v = $(NF-1); kind = (v ~ /^\(/) ? "compat" : "default"
            gsub(/[()]/, "", v); print $NF, v, kind }'
    done
}

# For each GLIBC_ import of $1 (needing DT_NEEDED in $2), "sym@VER why" when
# glibc 2.12 had it, "sym@VER FAIL why" when it cannot be shown.
in_glibc_212() {
    glibc_defs "$1" >"$tmp/defs"
    imports "$1" | while read -r ver sym; do
        case $ver in GLIBC_[0-9]*) ;; *) continue ;; esac
        kind=$(awk -v s="$sym" -v v="${ver#GLIBC_}" '$1 == s && $2 == "GLIBC_" v { print $3; exit }' "$tmp/defs")
        n=${ver#GLIBC_}
        if [ "$(printf '%s\n%s\n' "$n" "$FLOOR" | sort -V | tail -1)" != "$FLOOR" ]; then
            echo "$sym@$ver FAIL newer than glibc $FLOOR"
            continue
        fi
        case $sym in
        dl_iterate_phdr) why=${kind:-FAIL not defined here} ;;
        pthread_mutex_lock | pthread_mutex_unlock | pthread_mutex_init | pthread_mutex_destroy | \
        pthread_self | pthread_equal | pthread_cond_* | pthread_attr_init | pthread_attr_destroy)
            # libc.so.6 has exported these itself since 2.3 (forwarding to
            # libpthread once it is loaded), at the version they still have.
            if [ "$ver" = GLIBC_2.2.5 ] && [ "$kind" = default ]; then
                why="libc's own in glibc 2.12"
            else
                why="FAIL $sym@$ver is not the GLIBC_2.2.5 libc always had"
            fi ;;
        dl[a-z]*)
            if printf '%s\n' "$2" | grep -qx 'libdl\.so\.2'; then
                why="libdl in glibc 2.12"
            else
                why="FAIL lived in libdl, not in DT_NEEDED"
            fi ;;
        pthread_* | __pthread_* | sem_*)
            if printf '%s\n' "$2" | grep -qx 'libpthread\.so\.0'; then
                why="libpthread in glibc 2.12"
            else
                why="FAIL lived in libpthread, not in DT_NEEDED"
            fi ;;
        memcpy) [ "$ver" = GLIBC_2.2.5 ] && why="glibc 2.12's memcpy" || why="FAIL memcpy@$ver" ;;
        *) case $kind in
           default) why=default ;;
           compat) why="FAIL compat-only version: where did glibc 2.12 have it?" ;;
           *) why="FAIL not defined by this machine's glibc" ;;
           esac ;;
        esac
        echo "$sym@$ver $why"
    done
}

if [ "$(uname -m)" != x86_64 ]; then
    echo "skip: the version names checked here are x86_64's"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! [ -f "$lib" ]; then
    bad "$lib exists (run make first)"
    echo "$pass passed, $fail failed"
    exit 1
fi

if readelf -d "$lib" | grep -q 'NEEDED.*lib[a-z]*san\.so'; then
    echo "skip: $lib is a sanitizer build, not a shipped library"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

# 1. Highest GLIBC_ version.
over=$(above_floor "$lib")
if [ -z "$over" ]; then
    ok "highest GLIBC_ version imported is $(highest "$lib") (<= GLIBC_$FLOOR)"
else
    bad "symbols above GLIBC_$FLOOR (bind them in shim/libc/glibc_compat.h or stop using them)" "$over"
fi

# The version table (what objdump -T asks for, per version).
echo "GLIBC_ versions imported by $lib (count version):"
imports "$lib" | awk '$1 ~ /^GLIBC_/ { print $1 }' | sort -V | uniq -c | sed 's/^/    /'

# 1b. What ld.so itself checks before anything runs: every version the
# library needs (.gnu.version_r, including needs no symbol carries, such as
# GLIBC_ABI_DT_RELR) is a GLIBC_2.x the floor has.
vneeds=$(readelf -V "$lib" | awk '/ File: / { for (i = 1; i < NF; i++) if ($i == "File:") f = $(i + 1) }
                                  /^ *0x[0-9a-f]+: +Name:/ { print f ":" $3 }')
vbad=$(printf '%s\n' "$vneeds" | while IFS=: read -r file ver; do
    [ -n "$ver" ] || continue
    case $ver in
    GLIBC_[0-9]*) n=${ver#GLIBC_}
        [ "$(printf '%s\n%s\n' "$n" "$FLOOR" | sort -V | tail -1)" = "$FLOOR" ] || echo "$file needs $ver" ;;
    *) echo "$file needs $ver" ;;
    esac
done)
if [ -z "$vbad" ]; then
    ok "version needs within GLIBC_$FLOOR: $(echo $vneeds)"
else
    bad "version needs ld.so $FLOOR would refuse" "$vbad"
fi

# 1c. Only dynamic tags glibc 2.12's ld.so knows (no DT_RELR, 2.36, say).
# TLSDESC_PLT/GOT (a lazily bound library with TLS descriptors: the
# Makefile's -z lazy) came with x86_64's TLS descriptors, glibc 2.10.
tags=$(readelf -d "$lib" | sed -n 's/^ *0x[0-9a-f]* (\([A-Z_0-9]*\)).*/\1/p' | sort -u)
unknown=$(printf '%s\n' "$tags" | grep -vxE 'NEEDED|SONAME|INIT|FINI|INIT_ARRAY|INIT_ARRAYSZ|FINI_ARRAY|FINI_ARRAYSZ|GNU_HASH|HASH|STRTAB|SYMTAB|STRSZ|SYMENT|PLTGOT|PLTRELSZ|PLTREL|JMPREL|RELA|RELASZ|RELAENT|RELACOUNT|FLAGS|FLAGS_1|VERNEED|VERNEEDNUM|VERSYM|VERDEF|VERDEFNUM|TEXTREL|TLSDESC_PLT|TLSDESC_GOT|NULL' || true)
if [ -z "$unknown" ]; then
    ok "dynamic tags all known to glibc 2.12: $(echo $tags)"
else
    bad "dynamic tags to review against glibc 2.12's ld.so" "$unknown"
fi

# 2. Only glibc version namespaces.
other=$(imports "$lib" | awk '$1 !~ /^GLIBC_/ { print $2 "@" $1 }')
if [ -z "$other" ]; then
    ok "only GLIBC_ symbol versions imported"
else
    bad "imports from a version namespace other than GLIBC_" "$other"
fi

# 3. DT_NEEDED.
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
extra=$(printf '%s\n' "$needed" | grep -vxE 'libc\.so\.6|libdl\.so\.2|libpthread\.so\.0|ld-linux-x86-64\.so\.2' || true)
if [ -z "$extra" ]; then
    ok "DT_NEEDED only glibc: $(echo $needed)"
else
    bad "DT_NEEDED beyond libc/libdl/libpthread/ld-linux" "$extra"
fi

# 4. Where glibc < 2.34 keeps what we import.
syms=$(imports "$lib" | awk '{ print $2 }')
if printf '%s\n' "$syms" | grep -q '^dl[a-z0-9]*$'; then
    if printf '%s\n' "$needed" | grep -qx 'libdl\.so\.2'; then
        ok "dl* imported and libdl.so.2 in DT_NEEDED"
    else
        bad "dl* imported but libdl.so.2 not in DT_NEEDED (glibc < 2.34 fails to load it)" \
            "$(printf '%s\n' "$syms" | grep '^dl' | tr '\n' ' ')"
    fi
fi
if printf '%s\n' "$syms" | grep -qE '^(pthread_[a-z_]*|sem_[a-z]*)$' &&
   printf '%s\n' "$syms" | grep -E '^(pthread_[a-z_]*|sem_[a-z]*)$' |
       grep -qvxE 'pthread_(mutex_(lock|unlock|init|destroy)|self|equal|cond_[a-z]*|attr_(init|destroy))'; then
    if printf '%s\n' "$needed" | grep -qx 'libpthread\.so\.0'; then
        ok "pthread_* imported and libpthread.so.0 in DT_NEEDED"
    else
        bad "pthread_*/sem_* imported but libpthread.so.0 not in DT_NEEDED (glibc < 2.34 fails to load it)"
    fi
fi

# 5. Each import existed in glibc 2.12.
verdicts=$(in_glibc_212 "$lib" "$needed")
failed=$(printf '%s\n' "$verdicts" | awk '$2 == "FAIL"')
if [ -z "$failed" ]; then
    ok "all $(printf '%s\n' "$verdicts" | wc -l) GLIBC_ imports existed in glibc 2.12 ($(printf '%s\n' "$verdicts" |
        cut -d' ' -f2- | sort | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%d%s", sep, c, $0; sep = "," }'))"
else
    bad "imports glibc 2.12 may not have had" "$failed"
fi

# 6. The header on its own: every function it lists, both file-offset modes.
# The probes are made by make (tests/programs.mk: the shim's flags).
probe() {  # probe NAME: make $tmp/NAME, its errors in $tmp/cc.err
    "${MAKE:-make}" -s -C "$top" TEST_BIN="$tmp" "$tmp/$1" >"$tmp/cc.err" 2>&1
}
for fob in "" "-D_FILE_OFFSET_BITS=64"; do
    label="glibc_compat.h probe${fob:+ ($fob)}"
    if ! probe "compat_probe${fob:+-fob64}.so"; then
        bad "$label builds" "$(cat "$tmp/cc.err")"
        continue
    fi
    cp "$tmp/compat_probe${fob:+-fob64}.so" "$tmp/probe.so"
    over=$(above_floor "$tmp/probe.so")
    if [ -z "$over" ]; then
        ok "$label: highest $(highest "$tmp/probe.so")"
    else
        bad "$label: symbols above GLIBC_$FLOOR" "$over"
    fi
    probe_needed=$(readelf -d "$tmp/probe.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    failed=$(in_glibc_212 "$tmp/probe.so" "$probe_needed" | awk '$2 == "FAIL"')
    if [ -z "$failed" ]; then
        ok "$label: every import existed in glibc 2.12"
    else
        bad "$label: imports glibc 2.12 may not have had" "$failed"
    fi
done

# 7. Negative control: without the header and glibc_compat.c the same probe
# needs versions above the floor, and the check above says so (on a build
# glibc new enough to have them: 2.16 or later).
here_glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //')
if [ "$(printf '%s\n2.16\n' "${here_glibc:-0}" | sort -V | head -1)" != 2.16 ]; then
    echo "skip: negative control (this glibc ${here_glibc:-?} predates __poll_chk)"
elif probe compat_probe-bare.so; then
    over=$(above_floor "$tmp/compat_probe-bare.so")
    # clang's fortified poll() never reaches __poll_chk; gcc's does.
    seen=$(printf '%s\n' "$over" | grep -xE 'memcpy@GLIBC_2\.14|__poll_chk@GLIBC_2\.16|__fdelt_chk@GLIBC_2\.15')
    if printf '%s\n' "$seen" | grep -qx 'memcpy@GLIBC_2\.14'; then
        ok "probe without glibc_compat.h is caught: $(printf '%s\n' "$over" | wc -l) symbols above GLIBC_$FLOOR, among them $(echo $seen)"
    else
        bad "probe without glibc_compat.h should need memcpy@GLIBC_2.14" "$over"
    fi
else
    bad "probe without glibc_compat.h builds" "$(cat "$tmp/cc.err")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
