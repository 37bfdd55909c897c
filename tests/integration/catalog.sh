#!/bin/bash
# tests/integration/catalog.sh — drives `smartpick catalog` on the real
# binary: help and usage errors, init (published totals, SYNTHETIC label,
# --force, determinism across runs), show (table and JSON), export and the
# byte-identical round trip, --db / $SMARTPICK_DB / ./smartpick.db, bad
# imports (exit 3, file:line:field, database untouched) and no partial
# export file on error.  Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
SP="$(cd "$(dirname "$SP")" && pwd)/$(basename "$SP")" # absolute: we cd
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset SMARTPICK_DB

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}

# The command must be registered in cli/main.c before anything else runs.
"$SP" catalog --help >"$T/out" 2>&1
if ! grep -q "usage: smartpick catalog" "$T/out"; then
	echo "not ok catalog command is registered in cli/main.c"
	exit 0
fi

# --- help and usage ----------------------------------------------------
"$SP" catalog --help >/dev/null
check "catalog --help exits 0" test $? -eq 0
for v in init import export show; do
	"$SP" catalog $v --help >"$T/out" 2>&1
	rc=$?
	check "catalog $v --help exits 0" test $rc -eq 0
	check "catalog $v --help shows usage" grep -q "usage: smartpick catalog $v" "$T/out"
done
"$SP" catalog >/dev/null 2>&1
check "catalog without a command exits 2" test $? -eq 2
"$SP" catalog frob >/dev/null 2>&1
check "unknown catalog command exits 2" test $? -eq 2
"$SP" catalog init --json --db "$T/u.db" >/dev/null 2>&1
check "option of another verb exits 2" test $? -eq 2
"$SP" catalog init --seed x --db "$T/u.db" >/dev/null 2>&1
check "bad --seed exits 2" test $? -eq 2
"$SP" catalog import --db "$T/u.db" >/dev/null 2>&1
check "import without FILE exits 2" test $? -eq 2
"$SP" catalog export extra --db "$T/u.db" >/dev/null 2>&1
check "export with an operand exits 2" test $? -eq 2
check "usage errors create no database" test ! -e "$T/u.db"

# --- no catalog yet ------------------------------------------------------
"$SP" catalog show --db "$T/none.db" >/dev/null 2>"$T/err"
check "show without a catalog exits 4" test $? -eq 4
check "show without a catalog names it" grep -q "none.db" "$T/err"
check "show creates no database" test ! -e "$T/none.db"
"$SP" catalog export --db "$T/none.db" --out "$T/none.csv" 2>"$T/err"
check "export without a catalog exits 4" test $? -eq 4
check "no export file without a catalog" test ! -e "$T/none.csv"

# --- init: the real catalog (the default) -------------------------------
"$SP" catalog init --db "$T/real.db" >"$T/out" 2>"$T/err"
check "real init exits 0" test $? -eq 0
check "real init reports the published totals" grep -q "6626 programs, 43237 positions" "$T/out"
check "real init does not say SYNTHETIC" test "$(grep -c SYNTHETIC "$T/out")" -eq 0
"$SP" catalog export --db "$T/real.db" --out "$T/real.csv"
check "real export has 6626 rows" test "$(wc -l <"$T/real.csv")" -eq 6627
check "real catalog: programs found by name and state" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
real = [r for r in rows if "name" not in r["estimated"].split(";")]
assert len(real) >= 4700, len(real)
keys = {(r["name"], r["state"]) for r in real}
assert ("Abbott-Northwestern Hospital Program", "MN") in keys
assert all(r["synthetic"] == "0" for r in rows)
est = [r for r in rows if r not in real]
assert all(r["name"].endswith("(estimated)") and r["name"].startswith("Unlisted ") for r in est)
assert sum(int(r["positions"]) for r in rows) == 43237
for r in rows:
    for k in r:
        if k.startswith("rate_") and k != "rate_cycle" and r[k]:
            assert 0 <= float(r[k]) <= 1
im = [r for r in real if r["specialty"] == "IM" and r["rate_md"]]
assert len(im) > 500 and all(r["rate_cycle"] == "2024" for r in im)
assert all("positions" in r["estimated"] for r in rows)
' "$T/real.csv"
"$SP" catalog import "$T/real.csv" --db "$T/realrt.db" -q
"$SP" catalog export --db "$T/realrt.db" --out "$T/realrt.csv"
check "real catalog: export, import, export is byte-identical" cmp -s "$T/real.csv" "$T/realrt.csv"
"$SP" catalog show --db "$T/real.db" >"$T/show"
check "show counts real programs" grep -qE "^IM +categorical +758 +649 +10941 " "$T/show"
check "show labels the real catalog" grep -q "^catalog of 4777 real programs and 1849 estimated rows" "$T/show"
"$SP" catalog show --db "$T/real.db" -s TS >"$T/show"
check "show marks estimated values" grep -qE "^TS-R0001 +TX +~university +~2 " "$T/show"
check "show gives the city" grep -q "Baylor College of Medicine Program (Houston)$" "$T/show"
"$SP" catalog show --db "$T/real.db" -s TS --json >"$T/ts.json"
check "show --json gives rates and provenance" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["programs"][0]
assert p["city"] == "Houston" and p["rate_cycle"] == 2024
assert p["rates"]["md"] == 0.46 and "gold" not in p["rates"]
assert p["provenance"]["positions"] == "estimated" and p["provenance"]["name"] == "published"
' "$T/ts.json"
"$SP" catalog init --db "$T/u2.db" --seed 3 >/dev/null 2>"$T/err"
check "--seed without --synthetic exits 2" test $? -eq 2
check "--seed without --synthetic says so" grep -q -- "--synthetic" "$T/err"

# A schema 1 catalog is upgraded in place when opened.
python3 -c "import sqlite3" && {
	cp "$T/real.db" "$T/v1.db"
	python3 - "$T/v1.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = ["city", "acgme_id", "rate_md", "rate_do", "rate_usimg", "rate_img", "rate_instate",
        "rate_outstate", "rate_gold", "rate_silver", "rate_signal", "rate_nosignal",
        "rate_cycle", "estimated"]
for c in cols:
    db.execute(f"ALTER TABLE programs DROP COLUMN {c}")
db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
db.execute("PRAGMA user_version = 1")
db.commit()
PY
	"$SP" catalog show --db "$T/v1.db" >/dev/null 2>"$T/err"
	check "a schema 1 catalog opens (upgraded)" test $? -eq 0
	check "the upgrade is recorded" test "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select value from meta where key=\"schema_version\"").fetchone()[0])' "$T/v1.db")" = 2
}

# --- init --synthetic -------------------------------------------------------
DB="$T/cat.db"
"$SP" catalog init --synthetic --db "$DB" >"$T/out" 2>"$T/err"
check "init exits 0" test $? -eq 0
check "init says SYNTHETIC" grep -q "SYNTHETIC" "$T/out"
check "init reports the published totals" grep -q "6626 programs, 43237 positions" "$T/out"
"$SP" catalog export --db "$DB" --out "$T/seed1.csv"
check "export exits 0" test $? -eq 0
check "export has 6626 rows and a header" test "$(wc -l <"$T/seed1.csv")" -eq 6627
check "export header" test "$(head -n 1 "$T/seed1.csv")" = \
	"code,name,specialty,track,state,region,setting,positions,selectivity,interview_slots,accepts_signals,sponsors_visa,step2_median,synthetic,city,acgme_id,rate_md,rate_do,rate_usimg,rate_img,rate_instate,rate_outstate,rate_gold,rate_silver,rate_signal,rate_nosignal,rate_cycle,estimated"
check "export positions sum to 43237" test "$(awk -F, 'NR > 1 { s += $8 } END { print s }' "$T/seed1.csv")" -eq 43237
check "synthetic rows are named Synthetic" test "$(grep -c ',Synthetic ' "$T/seed1.csv")" -eq 6626

cp "$DB" "$T/before.db"
"$SP" catalog init --synthetic --db "$DB" --seed 2 >/dev/null 2>"$T/err"
check "init over a catalog without --force exits 2" test $? -eq 2
check "refusal mentions --force" grep -q -- "--force" "$T/err"
check "refused init leaves the database" cmp -s "$DB" "$T/before.db"
"$SP" catalog init --synthetic --db "$DB" --seed 2 --force -q >"$T/out"
check "init --force exits 0" test $? -eq 0
check "init -q prints nothing" test ! -s "$T/out"
"$SP" catalog export --db "$DB" --out "$T/seed2.csv"
check "another seed, another catalog" test "$(cmp -s "$T/seed1.csv" "$T/seed2.csv"; echo $?)" -ne 0
"$SP" catalog init --synthetic --db "$T/again.db" --seed 1 -q
"$SP" catalog export --db "$T/again.db" >"$T/again.csv"
check "same seed, same catalog (export to stdout)" cmp -s "$T/seed1.csv" "$T/again.csv"

# --- show -----------------------------------------------------------------
"$SP" catalog show --db "$T/again.db" >"$T/show"
check "show exits 0" test $? -eq 0
check "show labels the catalog SYNTHETIC" grep -q "^SYNTHETIC" "$T/show"
check "show totals" grep -qE "^total +6626 +0 +43237$" "$T/show"
check "show IM row" grep -qE "^IM +categorical +758 +0 +10941 +3\+12 " "$T/show"
check "show ORTHO signals" grep -qE "^ORTHO +categorical +216 +0 +929 +30 " "$T/show"
"$SP" catalog show --db "$T/again.db" --specialty DERM-A >"$T/show"
check "show --specialty lists its programs" grep -q "^DERM-A-0148 " "$T/show"
check "show --specialty lists only them" test "$(grep -c '^IM-' "$T/show")" -eq 0
"$SP" catalog show --db "$T/again.db" --specialty NOPE >/dev/null 2>"$T/err"
check "show unknown specialty exits 2" test $? -eq 2
check "show unknown specialty is named" grep -q "NOPE" "$T/err"
"$SP" catalog show --db "$T/again.db" --json >"$T/show.json"
check "show --json exits 0" test $? -eq 0
check "show --json is valid JSON with the totals" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["synthetic"] is True
assert d["totals"] == {"programs": 6626, "positions": 43237}
assert len(d["specialties"]) == 38
' "$T/show.json"
"$SP" catalog show --db "$T/again.db" --json --specialty TS >"$T/ts.json"
check "show --json --specialty has the programs" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["programs"]) == 40 and sum(p["positions"] for p in d["programs"]) == 54
assert all(p["synthetic"] for p in d["programs"])
' "$T/ts.json"

# --- round trip -----------------------------------------------------------
"$SP" catalog import "$T/seed1.csv" --db "$T/rt.db" >"$T/out"
check "import exits 0" test $? -eq 0
check "import reports the count" grep -q "imported 6626 programs, 43237 positions" "$T/out"
check "imported synthetic rows stay SYNTHETIC" grep -q "SYNTHETIC" "$T/out"
"$SP" catalog export --db "$T/rt.db" --out "$T/rt.csv"
check "export, import, export is byte-identical" cmp -s "$T/seed1.csv" "$T/rt.csv"

# --- database path: --db, $SMARTPICK_DB, ./smartpick.db -------------------
mkdir "$T/cwd"
(cd "$T/cwd" && "$SP" catalog init -q)
check "default database is ./smartpick.db" test -s "$T/cwd/smartpick.db"
(cd "$T/cwd" && SMARTPICK_DB="$T/env.db" "$SP" catalog init -q --synthetic --seed 3)
check "SMARTPICK_DB names the database" test -s "$T/env.db"
SMARTPICK_DB="$T/env.db" "$SP" catalog export >"$T/env.csv"
check "SMARTPICK_DB is read by export" test "$(wc -l <"$T/env.csv")" -eq 6627
SMARTPICK_DB="$T/env.db" "$SP" catalog export --db "$T/again.db" >"$T/db.csv"
check "--db wins over SMARTPICK_DB" cmp -s "$T/db.csv" "$T/seed1.csv"

# --- bad imports: exit 3, file:line:field, database untouched --------------
H=code,name,specialty,track,state,positions
R="A1,Alpha,IM,categorical,OH,10"
bad_import() { # NAME CSV-TEXT WHERE
	local name=$1 where=$3
	printf '%s' "$2" >"$T/bad.csv"
	cp "$DB" "$T/before.db"
	"$SP" catalog import "$T/bad.csv" --db "$DB" >/dev/null 2>"$T/err"
	local rc=$?
	check "import $name exits 3" test $rc -eq 3
	check "import $name says $where" grep -qF "bad.csv:$where" "$T/err"
	check "import $name leaves the database" cmp -s "$DB" "$T/before.db"
}
bad_import "unknown specialty" "$H
$R
A2,Beta,XYZ,categorical,OH,5
" "3: field 'specialty'"
bad_import "bad state" "$H
$R
A2,Beta,IM,categorical,QQ,5
" "3: field 'state'"
bad_import "bad number" "$H
$R
A2,Beta,IM,categorical,OH,5x
" "3: field 'positions'"
bad_import "duplicate code" "$H
$R
$R
" "3: field 'code'"
bad_import "wrong header" "code,name,specialty,track,state,positions,color
$R,red
" "1: field 'color'"
bad_import "missing column" "code,name,specialty,track,state
A1,Alpha,IM,categorical,OH
" "1: field 'positions'"
# Row 5000 of a valid export, broken: nothing of the 4998 before it stays.
awk -F, -v OFS=, 'NR == 5000 { $8 = "0" } { print }' "$T/seed1.csv" >"$T/late.csv"
cp "$DB" "$T/before.db"
"$SP" catalog import "$T/late.csv" --db "$DB" >/dev/null 2>"$T/err"
check "late bad row exits 3" test $? -eq 3
check "late bad row is named" grep -qF "late.csv:5000: field 'positions'" "$T/err"
check "late bad row leaves the database" cmp -s "$DB" "$T/before.db"
"$SP" catalog import "$T/missing.csv" --db "$DB" >/dev/null 2>"$T/err"
check "import of a missing file exits 4" test $? -eq 4
check "import of a missing file names it" grep -q "missing.csv" "$T/err"

# --- files that are not catalogs --------------------------------------------
printf 'just text\n' >"$T/text.db"
"$SP" catalog init --db "$T/text.db" >/dev/null 2>"$T/err"
check "init on a non-SQLite file exits 3" test $? -eq 3
check "init on a non-SQLite file says so" grep -q "not a SmartPick catalog" "$T/err"
check "init leaves the non-SQLite file" test "$(cat "$T/text.db")" = "just text"
"$SP" catalog export --db "$T/text.db" --out "$T/text.csv" 2>/dev/null
check "export from a non-catalog exits 3" test $? -eq 3
check "no export file from a non-catalog" test ! -e "$T/text.csv"

# --- exports: whole or nothing ------------------------------------------------
"$SP" catalog export --db "$DB" --out "$T/no/such/dir/x.csv" 2>/dev/null
check "export to a missing directory exits 4" test $? -eq 4
check "no temporary files left" test -z "$(find "$T" -name '*.tmp.*')"
