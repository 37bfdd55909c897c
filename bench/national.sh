#!/bin/bash
# bench/national.sh — the national preset for seeds 0-9 (or the seeds
# given), end to end through the real binary: gen, match (time and peak
# memory from /usr/bin/time -v) and verify.  Prints one line per seed
# (supplemental lists, couples, the engine's path, match wall time and
# maximum resident set, verifier's verdict) and a last line
# "N of M stable".  PRESET=hard runs the hard preset instead.  Figures
# go to docs/benchmarks.md by hand.
#
#   bench/national.sh              seeds 0..9
#   PRESET=hard bench/national.sh 0 4
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
SP=${SMARTPICK:-$BUILD/smartpick}
PRESET=${PRESET:-national}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2 3 4 5 6 7 8 9)
stable=0
for s in "${seeds[@]}"; do
	"$SP" gen --preset "$PRESET" --seed "$s" --out "$T/n.rp" || exit 1
	/usr/bin/time -v "$SP" match "$T/n.rp" --out "$T/m.rp" \
		--summary "$T/sum" 2>"$T/time"
	rc=$?
	"$SP" verify "$T/n.rp" "$T/m.rp" >"$T/ver" 2>&1
	vrc=$?
	[ $vrc -eq 0 ] && stable=$((stable + 1))
	lists=$(grep -c '^s ' "$T/n.rp")
	couples=$(grep -c '^c ' "$T/n.rp")
	wall=$(grep 'Elapsed (wall' "$T/time" | awk '{print $NF}')
	rss=$(grep 'Maximum resident' "$T/time" | awk '{print $NF}')
	eng=$(grep -o 'cycles [0-9]*' "$T/sum")
	how=engine
	grep -q 'KPR-style algorithm settled' "$T/sum" && how=kpr
	grep -q 'random walk' "$T/sum" && how=walk
	[ $rc -ne 0 ] && how=unsettled
	printf 'seed %s: %s supplemental lists, %s couples, %s (%s), match exit %s, %s wall, %s KB max RSS, verify: %s\n' \
		"$s" "$lists" "$couples" "$eng" "$how" "$rc" "$wall" "$rss" \
		"$(grep "^verify:" "$T/ver" | sed "s/^verify: [^:]*: //")"
done
echo "$stable of ${#seeds[@]} stable"
