#!/bin/bash
# tests/integration/national.sh — national-size markets through the real
# binary: the national preset (at least 1,000 supplemental lists and
# 1,000 couples) ends in a matching `smartpick verify` calls stable for
# seeds 0, 6 (settled by the KPR-style fallback) and 9 (by the random
# walk); the hard preset's seed 0, which nothing settles, is still
# written (exit 1), with every violation named in the summary, as many
# as the verifier finds.  bench/national.sh runs all ten seeds.
# Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}

for s in 0 6 9; do
	"$SP" gen --preset national --seed "$s" --out "$T/n.rp"
	check "national $s: >= 1000 supplemental lists" \
		test "$(grep -c '^s ' "$T/n.rp")" -ge 1000
	check "national $s: >= 1000 couples" \
		test "$(grep -c '^c ' "$T/n.rp")" -ge 1000
	"$SP" match "$T/n.rp" --out "$T/m.rp" --summary "$T/sum"
	check "national $s: match exits 0" test $? -eq 0
	"$SP" verify "$T/n.rp" "$T/m.rp" >"$T/ver" 2>&1
	check "national $s: verify calls it stable" test $? -eq 0
	case $s in
	6) check "national 6: the KPR-style fallback settled it" \
		grep -q "KPR-style algorithm settled" "$T/sum" ;;
	9) check "national 9: the random walk settled it" \
		grep -q "random walk over blocking pairs settled" "$T/sum" ;;
	esac
done

"$SP" gen --preset hard --seed 0 --out "$T/h.rp"
"$SP" match -q "$T/h.rp" --out "$T/hm.rp" --summary "$T/hsum" 2>"$T/herr"
check "hard 0: no stable matching found exits 1" test $? -eq 1
check "hard 0: the matching is written" grep -q '^m 0$' "$T/hm.rp"
check "hard 0: the message says so" grep -q "no stable matching found" "$T/herr"
"$SP" verify "$T/h.rp" "$T/hm.rp" >"$T/hver" 2>&1
nv=$(sed -n 's/^verify: [^:]*: \([0-9]*\) violation.*/\1/p' "$T/hver")
named=$(grep -c '^  ' "$T/hsum")
check "hard 0: the verifier finds violations" test "${nv:-0}" -gt 0
check "hard 0: the summary names every one ($named of ${nv:-0})" \
	test "$named" -eq "${nv:-0}"
check "hard 0: summary and verifier agree" \
	grep -q "^verify: ${nv:-x} violation(s)$" "$T/hsum"

"$SP" gen --preset national --advanced-applicants 0.1 --supplemental-len 4 \
	--preliminary 0.09 --applicants 2000 --couples 40 --programs 300 \
	--positions 1800 --out "$T/s.rp"
check "gen: the advanced-track flags apply" test "$(grep -c '^s ' "$T/s.rp")" -gt 0
"$SP" gen --advanced-applicants 2 >/dev/null 2>&1
check "gen: a bad --advanced-applicants exits 2" test $? -eq 2
