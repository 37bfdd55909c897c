#!/bin/bash
# recommend.sh — `smartpick recommend` on the real binary against a
# fresh synthetic catalog: the table, --json with the documented keys,
# --csv, stdin, field-level errors with exit 3, usage errors, atomic
# output, --check, and --batch over a small cohort with one bad row.
set -u
SP=${SMARTPICK:-build/smartpick}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "ok $1"; }
bad() { echo "not ok $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

db="$tmp/c.db"
"$SP" catalog init --db "$db" -q >/dev/null 2>&1
check "recommend: catalog stats stores the market statistics" \
	'"$SP" catalog stats --db "$db" --trials 2 >"$tmp/stats.out" 2>&1 &&
	 grep -q "2 simulated seasons" "$tmp/stats.out"'
R() { "$SP" recommend --db "$db" -q "$@"; }
here=$(cd "$(dirname "$0")/../.." && pwd)

check "recommend: table for examples/profile.json" \
	'R "$here/examples/profile.json" >"$tmp/t.txt" 2>"$tmp/t.err" &&
	 grep -q "^P(match anywhere" "$tmp/t.txt" &&
	 grep -q "^P(match in Internal Medicine)" "$tmp/t.txt" &&
	 grep -q "exam transcript included" "$tmp/t.txt" &&
	 grep -q "^Columns:" "$tmp/t.txt"'

if R --json --csv "$tmp/list.csv" "$here/examples/profile.json" >"$tmp/r.json" &&
	python3 - "$tmp/r.json" "$tmp/list.csv" <<'PY'
import csv, json, sys
d = json.load(open(sys.argv[1]))
for k in ("p_match", "p_match_low", "p_match_high", "programs", "curve",
          "applications", "cost", "stop_at", "signals"):
    assert k in d, k
assert 0 <= d["p_match_low"] <= d["p_match"] <= d["p_match_high"] <= 1
assert d["cost"] <= 900
progs = d["programs"]
assert len(progs) == d["applications"] > 0
for p in progs:
    for k in ("id", "name", "p_interview", "p_match", "tier", "signal",
              "reasons"):
        assert k in p, k
    assert p["tier"] in ("reach", "target", "likely")
    assert p["signal"] in ("gold", "silver", "signal", "none")
assert abs(sum(p["p_match"] for p in progs) - d["p_match"]) < 2e-3
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == len(progs)
assert [r["code"] for r in rows] == [p["code"] for p in progs]
PY
then ok "recommend: --json keys and --csv rows"; else bad "recommend: --json keys and --csv rows"; fi

check "recommend: profile from stdin" \
	'R --json - <"$here/examples/profile.json" | cmp -s - "$tmp/r.json"'

printf '{\n  "applicant_type": "us_md",\n  "step2": 999,\n  "specialty": "IM"\n}\n' >"$tmp/bad.json"
R "$tmp/bad.json" >"$tmp/o" 2>"$tmp/e"
rc=$?
check "recommend: bad score is exit 3 naming file, line and field" \
	'[ $rc -eq 3 ] && grep -q "bad.json:3: field .step2." "$tmp/e" && [ ! -s "$tmp/o" ]'
printf '{"applicant_type":"us_md","step2":240,"specialty":"Cardiology"}' >"$tmp/bad2.json"
R "$tmp/bad2.json" >/dev/null 2>"$tmp/e"
rc=$?
check "recommend: unknown specialty is refused by name" \
	'[ $rc -ne 0 ] && [ $rc -ne 5 ] && grep -q "Cardiology" "$tmp/e"'
R "$tmp/missing.json" >/dev/null 2>"$tmp/e"
check "recommend: missing profile file is exit 4" '[ $? -eq 4 ]'
check "recommend: missing profile file is named, with the reason" \
	'grep -q "cannot read $tmp/missing.json: No such file or directory" "$tmp/e"'
head -c 67108864 /dev/zero >"$tmp/huge.json"
R "$tmp/huge.json" >/dev/null 2>"$tmp/e"
check "recommend: a 64 MiB profile is refused as too large, exit 4" \
	'[ $? -eq 4 ] && grep -q "huge.json: 64 MiB or larger" "$tmp/e"'
rm -f "$tmp/huge.json"
R >/dev/null 2>&1
check "recommend: no profile is a usage error" '[ $? -eq 2 ]'
check "recommend: --help" '"$SP" recommend --help | grep -q -- "--batch"'
R --json --out "$tmp/nodir/r.json" "$here/examples/profile.json" >/dev/null 2>&1
rc=$?
check "recommend: unwritable --out is exit 4 and leaves nothing" \
	'[ $rc -eq 4 ] && [ ! -e "$tmp/nodir" ]'
R --json --out "$tmp/out.json" "$tmp/bad.json" 2>/dev/null
check "recommend: a refused profile writes no output file" '[ ! -e "$tmp/out.json" ]'

if R --json --check -n 2 --clones 5 --seed 3 "$here/examples/profile.json" >"$tmp/c.json" &&
	python3 - "$tmp/c.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["check"]
assert c["copies"] == 10, c
assert 0 <= c["low"] <= c["p_match"] <= c["high"] <= 1
PY
then ok "recommend: --check simulates the applicant with the list"; else bad "recommend: --check simulates the applicant with the list"; fi

cat >"$tmp/cohort.csv" <<'CSV'
id,applicant_type,specialty,step2,home_state,backups,budget,needs_visa
ann,us_md,Internal Medicine,246,OH,Family Medicine,900,no
bob,non_us_img,IM,238,,,,yes
cy,us_md,Pediatrics,999,,,,
CSV
R --batch "$tmp/cohort.csv" --out "$tmp/rep" 2>"$tmp/be"
rc=$?
if [ $rc -eq 3 ] && [ -s "$tmp/rep/ann.json" ] && [ -s "$tmp/rep/bob.txt" ] &&
	[ -s "$tmp/rep/bob.csv" ] && [ ! -e "$tmp/rep/cy.json" ] &&
	grep -q "cohort.csv:4" "$tmp/be" &&
	python3 - "$tmp/rep/summary.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["id"] for r in rows] == ["ann", "bob", "cy"], rows
assert [r["status"] for r in rows] == ["ok", "ok", "error"]
assert "step2" in rows[2]["error"]
assert 0 < float(rows[0]["p_match"]) <= 1
for r in rows[:2]:  # applicants like the student: around the estimate
    assert float(r["p_match_p10"]) <= float(r["p_match"]) + 0.01 <= float(r["p_match_p90"]) + 0.02, r
assert rows[2]["p_match_p10"] == "" and rows[2]["status"] == "error"
PY
then ok "recommend: --batch writes each report and a summary; a bad row is reported"; else bad "recommend: --batch writes each report and a summary; a bad row is reported"; fi
printf 'id,applicant_type,specialty\n../x,us_md,IM\n' >"$tmp/evil.csv"
R --batch "$tmp/evil.csv" --out "$tmp/rep2" 2>"$tmp/e"
check "recommend: --batch refuses ids that are not file names" \
	'[ $? -eq 3 ] && grep -q "evil.csv:2" "$tmp/e" && [ ! -e "$tmp/x.json" ]'
R --batch "$tmp/cohort.csv" >/dev/null 2>&1
check "recommend: --batch without --out is a usage error" '[ $? -eq 2 ]'

# --- chances ---------------------------------------------------------------
C() { "$SP" chances --db "$db" "$@"; }
if C --json --csv "$tmp/ch.csv" "$here/examples/profile.json" >"$tmp/ch.json" &&
	C --json --specialty FM "$here/examples/profile.json" >"$tmp/fm.json" &&
	"$SP" catalog show --db "$db" >"$tmp/show.txt" &&
	python3 - "$tmp/ch.json" "$tmp/fm.json" "$tmp/ch.csv" "$tmp/show.txt" <<'PY'
import csv, json, sys
im, fm = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
rows = list(csv.DictReader(open(sys.argv[3])))
# every program of the family: IM's rows in `catalog show`
counts = {l.split()[0]: int(l.split()[2]) for l in open(sys.argv[4])
          if l[:1].isupper() and len(l.split()) > 3 and l.split()[2].isdigit()}
assert len(im["programs"]) >= counts["IM"], (len(im["programs"]), counts)
assert len(fm["programs"]) == counts["FM"], (len(fm["programs"]), counts["FM"])
assert im["tiered"] is True and fm["tiered"] is False
for p in im["programs"]:
    for k in ("id", "code", "name", "state", "p_interview_no_signal",
              "p_interview_silver", "p_interview_gold", "p_match_if_applied"):
        assert k in p, k
    assert "p_interview_signal" not in p
for p in fm["programs"]:
    assert "p_interview_signal" in p and "p_interview_gold" not in p
    if p["accepts_signals"]:
        assert p["p_interview_signal"] >= p["p_interview_no_signal"] - 1e-9
    else:
        assert p["p_interview_signal"] is None
v = [p["p_match_if_applied"] for p in im["programs"]]
assert v == sorted(v, reverse=True)
assert len(rows) == len(im["programs"]) and rows[0]["code"] == im["programs"][0]["code"]
PY
then ok "chances: every program of the family, tiered and single-tier fields, JSON and CSV agree"; else bad "chances: every program of the family, tiered and single-tier fields, JSON and CSV agree"; fi
C "$here/examples/profile.json" >"$tmp/ch.txt"
check "chances: the table names programs in full" \
	'grep -q "^P(if applied)" "$tmp/ch.txt" && ! grep -q "…" "$tmp/ch.txt"'
C --specialty NOPE "$here/examples/profile.json" >/dev/null 2>"$tmp/e"
check "chances: an unknown specialty exits 3 naming the field" \
	'[ $? -eq 3 ] && grep -q "specialty" "$tmp/e"'
C >/dev/null 2>&1
check "chances: no profile is a usage error" '[ $? -eq 2 ]'
