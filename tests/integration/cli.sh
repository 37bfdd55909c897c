#!/bin/bash
# tests/integration/cli.sh — drives the real smartpick binary: help,
# usage errors, bad input with file:line:field messages and no partial
# output, the gen | match | verify pipeline in every format, and the
# verifier catching a tampered matching.  Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}

# --- help and usage ----------------------------------------------------
"$SP" --help >"$T/out" 2>&1
check "top-level help lists commands" grep -q "match" "$T/out"
for c in match verify gen; do
	"$SP" $c --help >"$T/out" 2>&1
	rc=$?
	check "$c --help exits 0" test $rc -eq 0
	check "$c --help shows usage" grep -q "usage: smartpick $c" "$T/out"
done
"$SP" frobnicate >/dev/null 2>&1
check "unknown command exits 2" test $? -eq 2
"$SP" match --no-such-option x.rp >/dev/null 2>&1
check "unknown option exits 2" test $? -eq 2
"$SP" match >/dev/null 2>&1
check "missing input exits 2" test $? -eq 2
"$SP" match --seed -4 x.rp >/dev/null 2>&1
check "bad --seed exits 2" test $? -eq 2

# --- bad input: exit 3, file:line:field, nothing written ----------------
printf 'r A1 X\np X one A1\n' >"$T/bad.rp"
"$SP" match "$T/bad.rp" --out "$T/m.rp" 2>"$T/err"
rc=$?
check "bad quota exits 3" test $rc -eq 3
check "bad quota names file and line" grep -q "bad.rp:2" "$T/err"
check "bad quota names the field" grep -q "quota" "$T/err"
check "no output file after bad input" test ! -e "$T/m.rp"
check "no temporary left after bad input" test -z "$(ls "$T" | grep tmp)"

printf 'r A1 X Y\np X 1 A1\n' >"$T/unknown.rp"
"$SP" match "$T/unknown.rp" 2>"$T/err" >/dev/null
check "unknown program exits 3" test $? -eq 3
check "unknown program is named" grep -q "Y" "$T/err"

"$SP" match "$T/does-not-exist.rp" 2>"$T/err" >/dev/null
rc=$?
check "missing file fails" test $rc -ne 0
check "missing file is named" grep -q "does-not-exist.rp" "$T/err"

printf 'r A1 X\np X 1 A1\nv X X 1\n' >"$T/selfrev.rp"
"$SP" match "$T/selfrev.rp" >/dev/null 2>"$T/err"
check "reversion to itself refused" test $? -eq 3

printf 'r A1 X\nr A2 Y\np X 2 A1\np Y 2 A2\nv X Y 1\nv Y X 1\n' >"$T/circ.rp"
"$SP" match "$T/circ.rp" >/dev/null 2>"$T/err"
check "circular reversions exit 3" test $? -eq 3
check "circular reversions explained" grep -qi "circular" "$T/err"

# --- the pipeline -------------------------------------------------------
"$SP" gen --seed 11 --applicants 600 --couples 30 --programs 80 \
	--positions 560 --supplemental 0.1 --reversions 4 --out "$T/m.rp" 2>/dev/null
check "gen writes a market" test -s "$T/m.rp"
"$SP" match "$T/m.rp" --out "$T/match.rp" --summary "$T/summary.txt"
rc=$?
check "match exits 0 or 1" test $rc -le 1
check "match writes m line" grep -q "^m [01]" "$T/match.rp"
check "summary counts applicants" grep -q "^applicants" "$T/summary.txt"
check "summary counts couples" grep -q "^couples" "$T/summary.txt"
check "summary lists engine figures" grep -q "^engine" "$T/summary.txt"
if [ $rc -eq 0 ]; then
	"$SP" verify "$T/m.rp" "$T/match.rp" >/dev/null 2>"$T/err"
	check "verify accepts the engine's matching" test $? -eq 0
fi

# Same input, same output (determinism), and stdin input.
"$SP" match -q "$T/m.rp" >"$T/a.rp"
"$SP" match -q - <"$T/m.rp" >"$T/b.rp"
check "stdin gives the same matching" cmp -s "$T/a.rp" "$T/b.rp"
"$SP" match -q "$T/m.rp" >"$T/c.rp"
check "deterministic output" cmp -s "$T/a.rp" "$T/c.rp"

# Every format: instance and matching round trips agree.
for f in json csv; do
	if [ $f = csv ]; then dst="$T/m-csv"; else dst="$T/m.$f"; fi
	"$SP" gen --seed 11 --applicants 600 --couples 30 --programs 80 \
		--positions 560 --supplemental 0.1 --reversions 4 --format $f \
		--out "$dst" 2>/dev/null
	check "gen --format $f" test -e "$dst"
	"$SP" match -q "$dst" --format rp >"$T/x.rp"
	check "match of the $f instance equals the rp one" cmp -s "$T/a.rp" "$T/x.rp"
done
"$SP" match -q "$T/m.rp" --format json --out "$T/match.json"
"$SP" verify "$T/m.rp" "$T/match.json" >/dev/null 2>&1
check "verify reads a JSON matching" test $? -eq 0
"$SP" match -q "$T/m.rp" --format csv --out "$T/match.csv"
"$SP" verify "$T/m.rp" "$T/match.csv" >/dev/null 2>&1
check "verify reads a CSV matching" test $? -eq 0

# --- the verifier catches tampering -------------------------------------
cat >"$T/s.rp" <<'EOF'
r A1 X Y
r A2 X
p X 1 A1 A2
p Y 1 A1
EOF
printf 'm 1\nr A2 X\n' >"$T/bad-match.rp"
"$SP" verify "$T/s.rp" "$T/bad-match.rp" >"$T/out" 2>/dev/null
check "verify exits 1 on a blocking pair" test $? -eq 1
check "verify names the blocking pair" grep -q "blocking pair: applicant A1 prefers X" "$T/out"
"$SP" verify --json "$T/s.rp" "$T/bad-match.rp" >"$T/out" 2>/dev/null
check "verify --json" grep -q '"stable":false' "$T/out"
printf 'm 1\nr A1 X\nr A2 X\n' >"$T/over.rp"
"$SP" verify "$T/s.rp" "$T/over.rp" >"$T/out" 2>/dev/null
check "verify catches over capacity" grep -q "over capacity" "$T/out"

# --- program-proposing and the verify flag ------------------------------
"$SP" match -q --programs-propose "$T/s.rp" >"$T/pp.rp"
check "programs-propose runs on singles" grep -q "^m 1" "$T/pp.rp"
"$SP" match -q --programs-propose "$T/m.rp" >/dev/null 2>"$T/err"
check "programs-propose refuses couples" test $? -eq 3
"$SP" match --verify "$T/s.rp" >/dev/null 2>"$T/err"
check "match --verify reports zero violations" grep -q "verify: 0 violation" "$T/err"

# --- output file is atomic: an unwritable target leaves nothing ---------
"$SP" match -q "$T/s.rp" --out "$T/no/such/dir/m.rp" 2>"$T/err"
check "unwritable output exits 4" test $? -eq 4
