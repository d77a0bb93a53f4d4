#!/bin/sh
# Build the policy fuzz target and run it for a while.
#   sh tests/fuzz/run.sh BUILD SECONDS
# Builds BUILD/fuzz_policy with libFuzzer + ASan + UBSan, copies the seed
# corpus to BUILD/fuzz-corpus (the repository's corpus is never written),
# and fuzzes for SECONDS seconds.  Exits non-zero on any crash, leak,
# sanitizer report or failed property; a reproducer is left as
# BUILD/fuzz-crash-* (run: BUILD/fuzz_policy FILE).
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD SECONDS" >&2
	exit 2
fi
build=$1
seconds=$2
case $seconds in
	''|*[!0-9]*) echo "$0: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "$0: $CLANG not found: the fuzz target needs clang (libFuzzer)" >&2
	exit 1
fi

# Built by make (tests/programs.mk: the test programs' flags).
mkdir -p "$build"
build=$(cd "$build" && pwd)
"${MAKE:-make}" -s -C "$root" BUILD="$build" FUZZ_CC="$CLANG" "$build/fuzz_policy"

corpus=$build/fuzz-corpus
rm -rf "$corpus"
mkdir -p "$corpus"
cp "$here"/corpus/* "$corpus"/

echo "fuzzing the policy parser and matcher for ${seconds}s (corpus: $corpus)"
# -timeout: one input taking 10 s is a bug (a hang) too.
"$build/fuzz_policy" \
	-max_total_time="$seconds" \
	-max_len=8192 \
	-timeout=10 \
	-rss_limit_mb=2048 \
	-print_final_stats=1 \
	-dict="$here/policy.dict" \
	-artifact_prefix="$build/fuzz-" \
	"$corpus"
