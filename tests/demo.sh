#!/bin/sh
# demo.sh BUILD — what `make demo` shows: a legacy client (TLSv1 method, no
# verification) against a TLS 1.0-only peer and a self-signed peer, first
# without tlsguard (it talks to both), then with LD_PRELOAD=BUILD/libtlsguard.so
# (both connections are stopped before a byte of data leaves).
# Builds nothing of tlsguard itself (make does); compiles the demo client.
set -eu

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
case $BUILD in /*) SHIM=$BUILD/libtlsguard.so ;; *) SHIM=$(pwd)/$BUILD/libtlsguard.so ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/tlsguard-demo.XXXXXX")
PIDS=""
PORT_tls10="" PORT_selfsigned=""  # set by start_peer

cleanup() {
    for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
    for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
    exec 3>&- 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then BOLD=$(printf '\033[1m') PLAIN=$(printf '\033[0m'); else BOLD='' PLAIN=''; fi
heading() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
indent() { sed 's/^/    /'; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

listening() {  # listening PORT: something LISTENs on 127.0.0.1:PORT
    grep -q "0100007F:$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp
}

# start_peer NAME CERT s_server-options... ; sets PORT_<NAME>
start_peer() {
    name=$1 cert=$2
    shift 2
    port=$(free_port)
    openssl s_server -accept "127.0.0.1:$port" -cert "$T/pki/$cert.pem" -key "$T/pki/$cert.key" \
        -quiet "$@" <&3 >"$T/$name.out" 2>"$T/$name.err" &
    PIDS="$PIDS $!"
    i=0
    until listening "$port"; do
        i=$((i + 1))
        [ "$i" -lt 250 ] || { echo "demo: s_server $name did not start:" >&2; cat "$T/$name.err" >&2; exit 1; }
        sleep 0.02
    done
    eval "PORT_$name=$port"
}

# run_client NAME PORT [env...]: runs the legacy client, shows what the server got
run_client() {
    name=$1 port=$2
    shift 2
    before=$(wc -c < "$T/$name.out")
    printf '$ %slegacy_tls1 localhost %s --method tls1\n' "${1:+$* }" "$port"
    rc=0
    env SSL_CERT_FILE="$T/pki/ca.pem" "$@" "$T/bin/legacy_tls1" localhost "$port" --method tls1 \
        >"$T/client.out" 2>"$T/client.err" || rc=$?
    sleep 0.3
    echo "  client stdout:"; indent < "$T/client.out"
    if [ -s "$T/client.err" ]; then echo "  client stderr:"; indent < "$T/client.err"; fi
    echo "  client exit code: $rc"
    got=$(tail -c +"$((before + 1))" "$T/$name.out")
    if [ -n "$got" ]; then
        echo "  server received: $got"
    else
        echo "  server received: nothing"
    fi
}

echo "tlsguard demo: a legacy OpenSSL client (TLSv1_client_method, SSL_VERIFY_NONE,"
echo "ignores SSL_connect's result) against two bad peers on 127.0.0.1."
sh "$HERE/lib/pki.sh" "$T/pki"
make -s -C "$HERE/.." TEST_BIN="$T/bin" "$T/bin/legacy_tls1" >/dev/null   # tests/programs.mk
mkfifo "$T/hold"
exec 3<>"$T/hold"   # the servers' stdin: open, never written to
start_peer tls10 good -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
start_peer selfsigned selfsigned -cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1
echo "peers: TLS 1.0-only on port $PORT_tls10, self-signed certificate on port $PORT_selfsigned"

heading "Without tlsguard: the TLS 1.0-only peer"
run_client tls10 "$PORT_tls10"
heading "Without tlsguard: the self-signed peer"
run_client selfsigned "$PORT_selfsigned"

if [ ! -f "$SHIM" ]; then
    heading "With tlsguard: $SHIM is missing (run make first)"
    exit 1
fi
heading "With tlsguard (LD_PRELOAD): the TLS 1.0-only peer"
run_client tls10 "$PORT_tls10" LD_PRELOAD="$SHIM"
heading "With tlsguard (LD_PRELOAD): the self-signed peer"
run_client selfsigned "$PORT_selfsigned" LD_PRELOAD="$SHIM"
echo
