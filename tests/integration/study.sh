#!/bin/bash
# study.sh — `smartpick study` on the real binary: the example spec's
# shape (a table, a CSV and an SVG), the same outcomes for 1 and 2
# threads, and bad specs refused with file:line: field, exit 3 and no
# file written.  Small specialties and 1-2 trials, so it takes seconds.
set -u
SP=${SMARTPICK:-build/smartpick}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "ok $1"; }
bad() { echo "not ok $1"; }

cat >"$tmp/cap.json" <<'JSON'
{"title": "Cap", "vary": "application_cap", "values": [5, 40, 400],
 "trials": 2, "seed": 2, "simulate": ["DERM", "TS", "VS"]}
JSON
if "$SP" study -q --builtin -j 1 "$tmp/cap.json" --csv "$tmp/a.csv" \
	--svg "$tmp/a.svg" >"$tmp/a.txt" &&
	"$SP" study -q --builtin -j 2 "$tmp/cap.json" --csv "$tmp/b.csv" \
		>"$tmp/b.txt"; then
	ok "study runs and writes its files"
else
	bad "study runs and writes its files"
fi
if cmp -s "$tmp/a.txt" "$tmp/b.txt" && cmp -s "$tmp/a.csv" "$tmp/b.csv"; then
	ok "study: same outcomes on 1 and 2 threads"
else
	bad "study: same outcomes on 1 and 2 threads"
fi
if python3 - "$tmp/a.csv" "$tmp/a.svg" "$tmp/a.txt" <<'PY'
import csv, sys, xml.etree.ElementTree as ET
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and set(rows[0]) == {"value", "measure", "group", "estimate"}
get = {(r["value"], r["measure"], r["group"]): float(r["estimate"] or "nan") for r in rows}
assert {r["value"] for r in rows} == {"5", "40", "400"}
for v in ("5", "40", "400"):
    for t in ("us_md", "us_do", "us_img", "non_us_img", "other", "all"):
        assert 0 <= get[(v, "match_rate", t)] <= 1
    assert get[(v, "applications_per_applicant", "all")] <= float(v) + 1e-9
    assert get[(v, "unfilled", "all")] <= get[(v, "positions", "all")]
# A cap of 5 leaves more applicants unmatched than no cap.
assert get[("5", "unmatched", "all")] > get[("400", "unmatched", "all")]
assert ("5", "matched_preferred", "DERM") in get
svg = ET.parse(sys.argv[2]).getroot()
assert svg.tag.endswith("svg")
ns = "{http://www.w3.org/2000/svg}"
assert len(svg.findall(ns + "polyline")) == 6
text = open(sys.argv[3]).read()
assert text.startswith("Cap\n") and "unfilled" in text and "VS" in text
PY
then
	ok "study: CSV, SVG and table agree with the spec"
else
	bad "study: CSV, SVG and table agree with the spec"
fi

# Bad specs: the message names file, line and field; exit 3; no file.
check_bad() { # name, spec text, expected message part
	printf '%s\n' "$2" >"$tmp/bad.json"
	rm -f "$tmp/bad.csv"
	"$SP" study -q --builtin "$tmp/bad.json" --csv "$tmp/bad.csv" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 3 ] && grep -qF "$3" "$tmp/err" && [ ! -e "$tmp/bad.csv" ] &&
		[ ! -s "$tmp/out" ]; then
		ok "study refuses $1"
	else
		bad "study refuses $1 (exit $rc: $(cat "$tmp/err"))"
	fi
}
check_bad "an unknown lever" '{"vary": "money",
"values": [1]}' "bad.json:1: field 'vary'"
check_bad "a value out of range" '{"vary": "application_cap",
"values": [0]}' "bad.json:2: field 'values'"
check_bad "an unknown specialty" '{"vary": "signals",
"specialty": "NOPE", "values": [1]}' "bad.json:2: field 'specialty'"
check_bad "an unknown key" '{"vary": "signals", "values": [1],
"trails": 2}' "bad.json:2: field 'trails'"
"$SP" study -q --builtin "$tmp/missing.json" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ]; then ok "study: a missing spec exits 4"; else bad "study: a missing spec exits 4 (got $rc)"; fi
if grep -q "cannot read $tmp/missing.json: No such file or directory" "$tmp/err"; then
	ok "study: a missing spec is named, with the reason"
else bad "study: a missing spec is named, with the reason"; fi
"$SP" study 2>/dev/null
rc=$?
if [ "$rc" -eq 2 ]; then ok "study: no spec is a usage error"; else bad "study: no spec is a usage error"; fi
