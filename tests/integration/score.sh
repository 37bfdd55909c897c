#!/bin/bash
# tests/integration/score.sh — POST /api/score on the real server against
# a fresh synthetic catalog: the recommended list sent back unchanged
# scores as recommended (P(match), band, every program's figures, cost,
# tiers, reasons); a moved gold signal changes exactly the two programs'
# P(interview) to their no-signal and gold figures; a removed program
# lowers the count and the fees; the programs' shares sum to P(match);
# errors name the entry (another specialty, too many signals, an unknown
# code, an empty list) with 422.  Programs are chosen from the API's own
# answers, never by code, so a new catalog does not break it.
set -u
SP=${SMARTPICK:-build/smartpick}
here=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib-serve.bash
. "$here/tests/integration/lib-serve.bash"

db="$T/c.db"
"$SP" catalog init --db "$db" -q >/dev/null 2>&1
"$SP" catalog stats --db "$db" --trials 2 -q >/dev/null 2>&1
serve_start --db "$db" --web "$T"
post() { # post PATH FILE: the body in $T/body, the status printed
	curl -s --max-time 60 -o "$T/body" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary @"$2" "$U$1"
}

# examples/profile.json without its budget: a list long enough to hold
# unsignalled programs that take signals.
python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d.pop("budget", None)
json.dump(d, open(sys.argv[2], "w"))' "$here/examples/profile.json" "$T/profile.json"
ex="$T/profile.json"
check "score: POST /api/recommend is 200" '[ "$(post /api/recommend "$ex")" = 200 ]'
cp "$T/body" "$T/rec.json"
python3 - "$ex" "$T/rec.json" "$T" <<'PY'
import json, sys
prof = json.load(open(sys.argv[1])); rec = json.load(open(sys.argv[2])); t = sys.argv[3]
progs = rec["programs"]
def body(lst):
    return {"profile": prof, "rank_order": [{"code": p["code"], "signal": p["signal"]} for p in lst]}
json.dump(body(progs), open(t + "/same.json", "w"))
# Move one gold signal from the first gold program of a two-tier
# specialty to one of its programs without a gold signal that takes
# signals (one of its silver ones, when every program is signalled).
tiered = {s["specialty"] for s in rec["signals"] if s["tiered"]}
gold = next(p for p in progs if p["signal"] == "gold" and p["specialty"] in tiered)
other = next(p for p in progs if p["signal"] != "gold" and p["accepts_signals"]
             and p["specialty"] == gold["specialty"])
moved = [dict(p) for p in progs]
for p in moved:
    if p["code"] == gold["code"]: p["signal"] = "none"
    if p["code"] == other["code"]: p["signal"] = "gold"
json.dump(body(moved), open(t + "/moved.json", "w"))
json.dump({"from": gold["code"], "to": other["code"]}, open(t + "/moved.codes", "w"))
json.dump(body(progs[:-1]), open(t + "/fewer.json", "w"))
# One gold signal more than the allotment.
extra = [dict(p) for p in progs]
spec = gold["specialty"]
for p in extra:
    if p["specialty"] == spec and p["signal"] != "gold" and p["accepts_signals"]:
        p["signal"] = "gold"; break
json.dump(body(extra), open(t + "/extra.json", "w"))
json.dump({"profile": prof, "rank_order": []}, open(t + "/empty.json", "w"))
json.dump({"profile": prof, "rank_order": ["NO-SUCH-CODE"]}, open(t + "/unknown.json", "w"))
PY

check "score: the recommended list is 200" '[ "$(post /api/score "$T/same.json")" = 200 ]'
cp "$T/body" "$T/same.out"
check "score: the recommended list scores as recommended" 'python3 - "$T/rec.json" "$T/same.out" <<"PY"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
for k in ("p_match", "p_match_low", "p_match_high", "p_match_first_choice", "cost", "applications"):
    assert abs(a[k] - b[k]) < 1e-9, (k, a[k], b[k])
assert [p["code"] for p in a["programs"]] == [p["code"] for p in b["programs"]]
for x, y in zip(a["programs"], b["programs"]):
    for k in ("signal", "tier", "p_interview", "p_interview_none", "p_match_if_applied", "p_match", "reasons"):
        assert x[k] == y[k], (x["code"], k, x[k], y[k])
assert [s["gold"] for s in a["signals"]] == [s["gold"] for s in b["signals"]]
assert b["stop_reason"] == "edited" and b["stop_at"] == b["applications"]
assert len(b["curve"]) == b["applications"]
assert all(c2["p_match"] >= c1["p_match"] - 1e-9 for c1, c2 in zip(b["curve"], b["curve"][1:]))
assert abs(b["curve"][-1]["cost"] - b["cost"]) < 1e-9
assert abs(sum(p["p_match"] for p in b["programs"]) - b["p_match"]) < 2e-3
PY'

check "score: a moved signal is 200" '[ "$(post /api/score "$T/moved.json")" = 200 ]'
check "score: a moved gold signal moves P(interview) at both programs" 'python3 - "$T/rec.json" "$T/body" "$T/moved.codes" <<"PY"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2])); m = json.load(open(sys.argv[3]))
pa = {p["code"]: p for p in a["programs"]}; pb = {p["code"]: p for p in b["programs"]}
f, t = pb[m["from"]], pb[m["to"]]
assert f["signal"] == "none" and t["signal"] == "gold"
assert f["p_interview"] == pa[m["from"]]["p_interview_none"] < pa[m["from"]]["p_interview"]
assert t["p_interview"] == pa[m["to"]]["p_interview_gold"] >= pa[m["to"]]["p_interview"]
assert t["p_match_if_applied"] > pa[m["to"]]["p_match_if_applied"]
same = [c for c in pa if c not in m.values()]
assert all(pb[c]["p_interview"] == pa[c]["p_interview"] for c in same)
PY'

check "score: one program fewer costs no more" '[ "$(post /api/score "$T/fewer.json")" = 200 ] && python3 - "$T/rec.json" "$T/body" <<"PY"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert b["applications"] == a["applications"] - 1 and b["cost"] <= a["cost"]
PY'

check "score: a signal over the allotment is 422 naming the entry" \
	'[ "$(post /api/score "$T/extra.json")" = 422 ] &&
	 grep -q "\"field\":\"rank_order\[[0-9]*\]\.signal\"" "$T/body" && grep -q "allowed" "$T/body"'
check "score: an unknown code is 422 naming the entry" \
	'[ "$(post /api/score "$T/unknown.json")" = 422 ] && grep -q "\"field\":\"rank_order\[0\]\"" "$T/body"'
check "score: an empty list is 422" \
	'[ "$(post /api/score "$T/empty.json")" = 422 ] && grep -q "empty" "$T/body"'

# A program of a specialty the profile does not name.
echo '{"applicant_type":"us_md","step2":246,"specialty":"Psychiatry"}' >"$T/psy.json"
post /api/chances "$T/psy.json" >/dev/null
python3 - "$ex" "$T/body" "$T/other.json" <<'PY'
import json, sys
prof = json.load(open(sys.argv[1])); ch = json.load(open(sys.argv[2]))
json.dump({"profile": prof, "rank_order": [ch["programs"][0]["code"]]}, open(sys.argv[3], "w"))
PY
check "score: a program of another specialty is 422 naming the entry" \
	'[ "$(post /api/score "$T/other.json")" = 422 ] && grep -q "\"field\":\"rank_order\[0\]\"" "$T/body" &&
	 grep -q "not in the profile" "$T/body"'
check "score: GET is 405" \
	'[ "$(curl -s -o /dev/null -w "%{http_code}" "$U/api/score")" = 405 ]'
check "score: the server survived" 'kill -0 "$PID"'
