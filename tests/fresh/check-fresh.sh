#!/bin/sh
# check-fresh.sh [WORKDIR] — the README's two commands on a fresh Debian 12.
#
# debootstraps a bookworm root once into WORKDIR/base (default
# $TLSGUARD_TEST_CACHE/fresh, else tests/.cache/fresh), copies it to
# WORKDIR/run for every run (so each run starts from a fresh machine), gives
# it the standard /etc/hosts (127.0.0.1 localhost, ::1 localhost ...), puts a
# `git clone` of this checkout (committed state: HEAD) in /work/tlsguard and
# ../shared beside it, then inside a chroot runs the README's quick-start line
# (apt-get ... && make demo) and `make test`, with times, and ends with the
# suites' "N passed, N failed" lines and the exit status.
#
# The archive's address is read from this machine's apt sources at run time
# (tests/lib/apt-source.sh).  Needs root; installs debootstrap when missing.
# Not part of `make test`: it downloads and builds a whole system (`make
# check-fresh`).  Mounts (proc, sys, dev, dev/pts) are undone on any exit.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${TLSGUARD_TEST_CACHE:-"$repo/tests/.cache"}
work=${1:-"$cache/fresh"}
base=$work/base
root=$work/run
log=$work/run.log

[ "$(id -u)" -eq 0 ] || { echo "check-fresh: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
. "$repo/tests/lib/apt-source.sh"
mirror=$(find_uri | head -n 1)
[ -n "$mirror" ] || { echo "check-fresh: no Debian archive URI in /etc/apt sources" >&2; exit 2; }

if ! command -v debootstrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
fi

mkdir -p "$work"
if [ ! -e "$base/.tlsguard-base-done" ]; then
    rm -rf "$base"
    echo "check-fresh: debootstrap bookworm from the machine's archive into $base"
    t0=$(date +%s)
    debootstrap --variant=minbase bookworm "$base" "$mirror" > "$work/debootstrap.log" 2>&1 ||
        { tail -20 "$work/debootstrap.log" >&2; echo "check-fresh: debootstrap failed" >&2; exit 1; }
    touch "$base/.tlsguard-base-done"
    echo "check-fresh: debootstrap took $(( $(date +%s) - t0 )) s"
fi

mounted=""
cleanup() {
    for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
mount_in() { # mount_in TARGET mount-args...
    target=$1; shift
    mkdir -p "$target"
    mount "$@" "$target"
    mounted="$target $mounted"
}

rm -rf "$root"
cp -a "$base" "$root"
cat > "$root/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$root/work"
git clone -q --no-hardlinks "$repo" "$root/work/tlsguard"
if [ -d "$repo/../shared" ]; then
    cp -a "$repo/../shared" "$root/work/shared"
fi

mount_in "$root/proc" -t proc proc
mount_in "$root/sys" -t sysfs sysfs
mount_in "$root/dev" --bind /dev
mount_in "$root/dev/pts" --bind /dev/pts

# The README's own commands, exactly as written there.
install_line=$(sed -n 's/^    \(apt-get update && apt-get install .*\)$/\1/p' "$repo/README.md" | head -n 1)
[ -n "$install_line" ] || { echo "check-fresh: README has no apt-get line" >&2; exit 2; }
grep -q '^    make test$' "$repo/README.md" || { echo "check-fresh: README has no 'make test'" >&2; exit 2; }

run_in() { # run_in WHAT COMMAND: in the chroot, timed, into the log
    echo "check-fresh: $1: $2"
    t0=$(date +%s)
    set +e
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive sh -c "cd /work/tlsguard && $2" >> "$log" 2>&1
    rc=$?
    set -e
    echo "check-fresh: $1: exit $rc after $(( $(date +%s) - t0 )) s"
    return $rc
}

: > "$log"
status=0
run_in "install + demo" "$install_line" || status=$?
if [ "$status" -eq 0 ]; then
    run_in "make test" "make test" || status=$?
fi
echo "check-fresh: the suites' counts (full output: $log):"
grep -E '^[0-9]+ passed, [0-9]+ failed$|^(FAIL|skip) ' "$log" | sed 's/^/  /' || true
echo "check-fresh: exit $status"
exit "$status"
