#!/bin/bash
# tests/integration/rank.sh — `smartpick rank` on the real binary against
# a fresh default (real) catalog: the text report, --json (its properties and
# the golden file rank.expected.json for examples/rank.json), stdin,
# errors naming file:line:field with exit 3 and nothing written, usage
# errors; then POST /api/rank on the real server gives the CLI's bytes,
# and 422 naming the entry for an unknown program.  The golden file
# depends on the catalog, the fitted parameters and the advisor's
# statistics (2 seasons); after a deliberate change, rewrite it with
# SP_UPDATE_GOLDEN=1 bash tests/integration/rank.sh.
set -u
SP=${SMARTPICK:-build/smartpick}
here=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib-serve.bash
. "$here/tests/integration/lib-serve.bash"

db="$T/c.db"
"$SP" catalog init --db "$db" -q >/dev/null 2>&1
"$SP" catalog stats --db "$db" --trials 2 -q >/dev/null 2>&1
R() { "$SP" rank --db "$db" "$@"; }
ex="$here/examples/rank.json"

check "rank: text report" \
	'R "$ex" >"$T/t.txt" && grep -Eq "^P\(match\) [<>]?[0-9]+% \(band" "$T/t.txt" &&
	 grep -q "IM-R0090" "$T/t.txt" && grep -q "^- Rank programs in the order" "$T/t.txt"'

R --json "$ex" >"$T/r.json"
check "rank: --json exits 0" '[ $? -eq 0 ]'
check "rank: --json keeps its promises" 'python3 - "$T/r.json" <<"PY"
import json, sys
d = json.load(open(sys.argv[1]))
progs = d["programs"]
assert [p["rank"] for p in progs] == list(range(1, 7))
assert abs(sum(p["p_match"] for p in progs) - d["p_match"]) < 1e-3
assert d["p_low"] <= d["p_match"] <= d["p_high"]
assert abs(d["p_unmatched"] + d["p_match"] - 1) < 1e-3
assert [a["code"] for a in d["additions"]] and all(a["gain"] >= 0 for a in d["additions"])
assert d["p_match_all_ranked"] >= d["p_match"]
assert len(d["advice"]) >= 2
PY'
if [ -n "${SP_UPDATE_GOLDEN:-}" ]; then
	cp "$T/r.json" "$here/tests/integration/rank.expected.json"
fi
check "rank: golden output for examples/rank.json" \
	'diff -u "$here/tests/integration/rank.expected.json" "$T/r.json"'
check "rank: stdin gives the same report" \
	'R --json - <"$ex" | cmp -s - "$T/r.json"'

# Appending a program that interviewed the applicant never lowers P(match).
python3 - "$ex" "$T/longer.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["rank_order"].append(d.pop("also_interviewed")[0])
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
check "rank: appending a program does not lower P(match)" \
	'R --json "$T/longer.json" >"$T/l.json" && python3 -c "
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert b[\"p_match\"] >= a[\"p_match\"] > 0" "$T/r.json" "$T/l.json"'

sed 's/"IM-R0356"/"IM-9999"/' "$ex" >"$T/bad.json"
R -o "$T/out.txt" "$T/bad.json" 2>"$T/err"
check "rank: unknown program is exit 3" '[ $? -eq 3 ]'
check "rank: the error names file, line and field" \
	'grep -q "bad.json:12: field .rank_order\[2\].: no program \"IM-9999\"" "$T/err"'
check "rank: nothing written on error" '[ ! -e "$T/out.txt" ]'
sed 's/"step2": 224/"step2": 999/' "$ex" >"$T/bad2.json"
check "rank: a bad profile field names its line" \
	'! R "$T/bad2.json" 2>"$T/err" && grep -q "bad2.json:4: field .step2." "$T/err"'
check "rank: no file is a usage error" 'R >/dev/null 2>&1; [ $? -eq 2 ]'
check "rank: --help" 'R --help | grep -q "usage: smartpick rank"'

# --- the same over HTTP ----------------------------------------------------
serve_start --db "$db" --web "$T"
post() {
	curl -s --max-time 20 -o "$T/body" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary @"$1" "$U/api/rank"
}
check "rank: POST /api/rank is 200" '[ "$(post "$ex")" = 200 ]'
check "rank: POST /api/rank answers as the CLI does" 'cmp -s "$T/body" "$T/r.json"'
check "rank: POST /api/rank with an unknown program is 422 naming it" \
	'[ "$(post "$T/bad.json")" = 422 ] && grep -q "\"field\":\"rank_order\[2\]\"" "$T/body"'
