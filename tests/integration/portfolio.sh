#!/bin/bash
# tests/integration/portfolio.sh — drives `smartpick portfolio`: count and
# budget problems (Kapur's vector T2), --curve, stdin, --out written whole
# or not at all, bad input (exit 3, line:column and the field named) and
# usage errors (exit 2).  Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}

# Kapur's T2: f = [0.39, 0.61, 0.03, 0.73, 0.1], t = [1, 6, 3, 7, 2].
options='[{"id":"a","p":0.39,"value":1,"cost":1},
 {"id":"b","p":0.61,"value":6,"cost":1},
 {"id":"c","p":0.03,"value":3,"cost":1},
 {"id":"d","p":0.73,"value":7,"cost":1},
 {"id":"e","p":0.1,"value":2,"cost":1}]'
printf '{"options":%s,\n"count":2}\n' "$options" >"$T/count.json"
printf '{"options":%s,\n"budget":4}\n' "$options" >"$T/budget.json"

# --- help and usage ----------------------------------------------------
"$SP" portfolio --help >"$T/out" 2>&1
rc=$?
check "portfolio --help exits 0" test $rc -eq 0
check "portfolio --help shows usage" grep -q "usage: smartpick portfolio" "$T/out"
"$SP" --help >"$T/out" 2>&1
check "top-level help lists portfolio" grep -q "portfolio" "$T/out"
"$SP" portfolio --frobnicate "$T/count.json" >/dev/null 2>&1
check "unknown option exits 2" test $? -eq 2
"$SP" portfolio "$T/count.json" "$T/budget.json" >/dev/null 2>&1
check "two files exit 2" test $? -eq 2

# --- answers -------------------------------------------------------------
got=$("$SP" portfolio "$T/count.json")
check "count: optimal set and value" \
	test "$got" = '{"chosen":["b","d"],"value":6.0982}'
got=$("$SP" portfolio "$T/budget.json")
check "budget: optimal set and value" \
	test "$got" = '{"chosen":["a","b","d","e"],"value":6.1562203}'
got=$("$SP" portfolio - <"$T/count.json")
check "stdin via -" test "$got" = '{"chosen":["b","d"],"value":6.0982}'
got=$("$SP" portfolio <"$T/count.json")
check "stdin by default" test "$got" = '{"chosen":["b","d"],"value":6.0982}'
printf '{"options":%s,"count":5}' "$options" >"$T/all.json"
"$SP" portfolio --curve "$T/all.json" >"$T/curve"
rc=$?
check "curve exits 0" test $rc -eq 0
check "curve has one entry per count" test "$(grep -c '"count":' "$T/curve")" -eq 5
check "curve values are Kapur's" grep -q '"count":3,"added":"a","value":6.139267}' "$T/curve"
check "curve ends with everything" grep -q '"count":5,.*"value":6.163956691}' "$T/curve"
check "curve adds every option once" test "$(grep -o '"added":"[a-e]"' "$T/curve" | sort -u | wc -l)" -eq 5
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/curve" 2>/dev/null
	check "curve is valid JSON" test $? -eq 0
fi
# Value defaults to 1: the probability of at least one success.
printf '{"options":[{"id":"x","p":0.5},{"id":"y","p":0.5}],"count":2}' >"$T/p.json"
got=$("$SP" portfolio "$T/p.json")
check "default value gives P(at least one)" \
	test "$got" = '{"chosen":["x","y"],"value":0.75}'

# --- --out: whole or nothing ---------------------------------------------
"$SP" portfolio "$T/count.json" --out "$T/answer.json"
rc=$?
check "--out exits 0" test $rc -eq 0
check "--out writes the answer" grep -q '"value":6.0982' "$T/answer.json"
cp "$T/answer.json" "$T/before.json"
printf '{"options":[{"id":"a","p":2}],"count":1}' >"$T/badp.json"
"$SP" portfolio "$T/badp.json" --out "$T/answer.json" 2>"$T/err"
rc=$?
check "bad input leaves --out untouched" cmp -s "$T/answer.json" "$T/before.json"
check "no temporary left" test -z "$(ls "$T" | grep tmp)"
"$SP" portfolio "$T/count.json" --out "$T/no/such/dir/a.json" 2>/dev/null
check "unwritable --out exits 4" test $? -eq 4

# --- bad input: exit 3, file:line:column: field ---------------------------
check "p out of range exits 3" test $rc -eq 3
check "p out of range is named" \
	grep -q 'badp.json:1:23: options\[0\].p: must be a number between 0 and 1' "$T/err"
printf '{"options":[\n{"id":"a","p":0.5},\n{"id":"a","p":0.5}],"count":1}' >"$T/dup.json"
"$SP" portfolio "$T/dup.json" 2>"$T/err" >/dev/null
check "duplicate id exits 3" test $? -eq 3
check "duplicate id is named" grep -q 'dup.json:3:2: options\[1\].id: duplicate id "a"' "$T/err"
printf '{"options":[{"id":"a","p":0.5,"cost":-1}],"budget":3}' >"$T/cost.json"
"$SP" portfolio "$T/cost.json" 2>"$T/err" >/dev/null
check "negative cost exits 3" test $? -eq 3
check "negative cost is named" grep -q 'options\[0\].cost' "$T/err"
printf '{"options":[{"id":"a","p":0.5}],"count":1,"budget":1}' >"$T/both.json"
"$SP" portfolio "$T/both.json" 2>"$T/err" >/dev/null
check "count and budget exits 3" test $? -eq 3
check "count and budget is explained" grep -q 'budget: give either count or budget' "$T/err"
printf '{"options":[{"id":"a","p":0.5,"cost":1}],"budget":1}' >"$T/b1.json"
"$SP" portfolio --curve "$T/b1.json" 2>"$T/err" >/dev/null
check "curve with a budget exits 3" test $? -eq 3
check "curve with a budget is explained" grep -q 'a curve needs "count"' "$T/err"
printf '{"options":[{"id":"a","p":0.5}],"count":1' >"$T/trunc.json"
"$SP" portfolio "$T/trunc.json" 2>"$T/err" >/dev/null
check "truncated JSON exits 3" test $? -eq 3
check "truncated JSON names the file" grep -q 'trunc.json:1:' "$T/err"
"$SP" portfolio "$T/missing.json" 2>"$T/err" >/dev/null
check "missing file exits 4" test $? -eq 4
check "missing file is named" grep -q 'missing.json' "$T/err"
head -c 17000000 /dev/zero | tr '\0' ' ' >"$T/big.json"
"$SP" portfolio "$T/big.json" 2>"$T/err" >/dev/null
check "input over 16 MiB exits 3" test $? -eq 3
