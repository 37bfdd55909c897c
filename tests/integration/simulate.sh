#!/bin/bash
# simulate.sh — `smartpick simulate` and `smartpick calibrate` on the real
# binary: JSON with by_group, the same result for 1 and 2 threads, the
# table, usage errors, a tiny calibration report.  Small specialties
# only, so the script takes seconds.
set -u
SP=${SMARTPICK:-build/smartpick}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "ok $1"; }
bad() { echo "not ok $1"; }

run() { "$SP" simulate --builtin -q -s DERM,TS -n 3 --seed 5 "$@"; }

if run --json -j 1 >"$tmp/a.json" && run --json -j 2 >"$tmp/b.json"; then
	ok "simulate --json runs"
else
	bad "simulate --json runs"
fi
if diff <(grep -v '"timing"' "$tmp/a.json") \
	<(grep -v '"timing"' "$tmp/b.json") >/dev/null; then
	ok "simulate: same result on 1 and 2 threads"
else
	bad "simulate: same result on 1 and 2 threads"
fi
if python3 - "$tmp/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = d["by_group"]
assert g, "by_group is empty"
for row in g:
    for k in ("specialty", "applicant_type", "step2_band", "applicants",
              "matched_preferred", "matched_any", "contiguous_ranks_median"):
        assert k in row, k
    assert row["applicant_type"] in ("us_md", "us_do", "us_img", "non_us_img", "other")
    assert row["step2_band"] % 10 == 0
    assert row["matched_preferred"] <= row["matched_any"] + 1e-9 <= row["applicants"] + 2e-9
assert {r["specialty"] for r in g} >= {"Dermatology", "Thoracic Surgery"}
assert all(0 <= s["fill_rate"] <= 1 for s in d["by_specialty"])
assert len(d["by_type"]) == 5
PY
then ok "simulate: by_group fields"; else bad "simulate: by_group fields"; fi

if run >"$tmp/t.txt" && grep -q "DERM" "$tmp/t.txt" && grep -q "us_md" "$tmp/t.txt"; then
	ok "simulate: table"
else
	bad "simulate: table"
fi
"$SP" simulate --builtin -s NOPE -q >/dev/null 2>&1
[ $? -eq 2 ] && ok "simulate: unknown specialty is a usage error" ||
	bad "simulate: unknown specialty is a usage error"
"$SP" simulate --trials 0 >/dev/null 2>&1
[ $? -eq 2 ] && ok "simulate: --trials 0 refused" || bad "simulate: --trials 0 refused"

if "$SP" calibrate --builtin --evaluate -q -n 1 -j 2 -r "$tmp/r.md" 2>/dev/null &&
	grep -q "| fill rate | IM |" "$tmp/r.md"; then
	ok "calibrate --evaluate writes the report"
else
	bad "calibrate --evaluate writes the report"
fi
# JSON from both commands goes through the library's one writer: valid,
# and every number exact (no %.4g / %.6g rounding).
if "$SP" calibrate --builtin --evaluate -q -n 1 -j 2 --json -r "$tmp/r.json" \
	2>/dev/null && python3 - "$tmp/r.json" "$tmp/a.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["method"] and len(r["targets"]) > 100
sims = [t["simulated"] for t in r["targets"] if t["simulated"] is not None]
# %.4g kept at most 4 significant digits; exact fractions need more.
assert any(len(repr(v).replace(".", "").lstrip("0")) > 5 for v in sims)
# Every specialty's US MD curve: five bands, a figure where there were
# simulated seniors, null where none, percentages.
assert len(r["curves"]) > 10
for c in r["curves"]:
    assert c["code"] and [b["step2_low"] for b in c["bands"]] == [210, 220, 230, 240, 250]
    for b in c["bands"]:
        assert (b["simulated"] is None) == (b["n"] == 0)
        assert b["simulated"] is None or 0 <= b["simulated"] <= 100
assert any(b["n"] > 0 for c in r["curves"] for b in c["bands"])
a = json.load(open(sys.argv[2]))
assert any(len(repr(t["match_rate"])) > 8 for t in a["by_type"])
PY
then
	ok "calibrate --json and simulate --json: valid, numbers exact"
else
	bad "calibrate --json and simulate --json: valid, numbers exact"
fi
