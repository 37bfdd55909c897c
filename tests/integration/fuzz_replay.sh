#!/bin/bash
# fuzz_replay.sh — the corpus replay driver (tests/fuzz/replay.c) that
# `make test` runs every harness through: it replays every file of a
# corpus and names each input, refuses an empty corpus and an input over
# libFuzzer's 64 KiB -max_len, and every harness has seeds to replay.
# tests/run itself replays the corpora; this script checks the driver.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "ok $1"; }
bad() { echo "not ok $1"; }
json="$BUILD/fuzz/fuzz_json"

missing=0
for h in tests/fuzz/fuzz_*.c; do
	n=$(basename "$h" .c)
	c=$(find "tests/fuzz/corpus/$n" -maxdepth 1 -type f 2>/dev/null | wc -l)
	[ "$c" -gt 0 ] || { echo "# $n has no seed"; missing=1; }
	[ -x "$BUILD/fuzz/$n" ] || { echo "# $n is not built"; missing=1; }
done
[ $missing -eq 0 ] && ok "every harness is built for replay and has seeds" ||
	bad "every harness is built for replay and has seeds"

mkdir "$tmp/c"
printf '{"a":[1,2.5,"x"]}' >"$tmp/c/one"
printf '[' >"$tmp/c/two"
printf '"\\u00e9"' >"$tmp/c/three"
mkdir "$tmp/c/subdir"
out=$("$json" "$tmp/c" 2>&1)
if [ $? -eq 0 ] && [ "$(grep -c '^input ' <<<"$out")" -eq 3 ] &&
	grep -q "^input $tmp/c/two\$" <<<"$out" &&
	grep -q '^replayed 3 inputs$' <<<"$out"; then
	ok "replay: every file of the corpus, each named"
else
	bad "replay: every file of the corpus, each named"
	echo "$out" | head -n 10
fi

mkdir "$tmp/empty"
if "$json" "$tmp/empty" >"$tmp/out" 2>&1; then
	bad "replay: an empty corpus fails"
else
	grep -q 'no input to replay' "$tmp/out" && ok "replay: an empty corpus fails" ||
		bad "replay: an empty corpus fails"
fi

mkdir "$tmp/big"
head -c 65537 /dev/zero | tr '\0' ' ' >"$tmp/big/x"
if "$json" "$tmp/big" >"$tmp/out" 2>&1; then
	bad "replay: an input over 64 KiB fails"
else
	grep -q 'over 65536 bytes' "$tmp/out" && ok "replay: an input over 64 KiB fails" ||
		bad "replay: an input over 64 KiB fails"
fi

# fuzz_http builds a web root under TMPDIR and removes it at exit.
mkdir "$tmp/t"
if TMPDIR="$tmp/t" "$BUILD/fuzz/fuzz_http" tests/fuzz/corpus/fuzz_http >/dev/null 2>&1 &&
	[ -z "$(ls -A "$tmp/t")" ]; then
	ok "replay: fuzz_http leaves nothing behind"
else
	bad "replay: fuzz_http leaves nothing behind"
fi
