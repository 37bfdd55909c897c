#!/bin/bash
# tests/integration/catalog_damage.sh — a catalog is checked when opened
# and every value read from it is held to the import's rules: copies of a
# fresh catalog with bits flipped (seeded) either give the undamaged
# output or fail with "damaged catalog" and a non-zero exit; values
# edited behind the program's back (selectivity 9e999, state 'ZZ',
# interview_slots 0, an unknown track, invalid UTF-8) are refused with
# the row and field named; parameters that are not finite are refused.
# DAMAGE_COPIES (default 40) sets how many damaged copies are tried.
# Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
mkdir -p build
T=$(mktemp -d build/it-damage.XXXXXX)
trap 'rm -rf "$T"' EXIT
N=${DAMAGE_COPIES:-40}

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}
sql() { # DB SQL: runs SQL behind the program's back
	python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$1" "$2"
}

DB=$T/good.db
"$SP" catalog init --db "$DB" >/dev/null || echo "not ok catalog init"
"$SP" recommend examples/profile.json --db "$DB" >"$T/rec.good" 2>/dev/null
check "recommend on the good catalog exits 0" test $? -eq 0
"$SP" catalog export --db "$DB" --out "$T/export.good"
check "export on the good catalog exits 0" test $? -eq 0

# --- flipped bits: refused, or the same output ---------------------------
python3 - "$DB" "$T" "$N" <<'PY'
import random, shutil, sqlite3, sys
db, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(db, "rb").read()
rng = random.Random(20261206)
for k in range(n):
    b = bytearray(data)
    for _ in range(4):
        # Past the 100-byte file header; anywhere in the pages.
        pos = rng.randrange(100, len(b))
        b[pos] ^= 1 << rng.randrange(8)
    path = "%s/bad%03d.db" % (out, k)
    open(path, "wb").write(b)
    try:
        r = sqlite3.connect(path).execute("pragma integrity_check").fetchall()
        ok = r == [("ok",)]
    except sqlite3.DatabaseError:
        ok = False
    open(path + ".integrity", "w").write("ok" if ok else "damaged")
PY
damaged=0 refused=0 silent=0
for f in "$T"/bad*.db; do
	[ "$(cat "$f.integrity")" = damaged ] || continue
	damaged=$((damaged + 1))
	for cmd in recommend export; do
		if [ $cmd = recommend ]; then
			"$SP" recommend examples/profile.json --db "$f" \
				>"$T/out" 2>"$T/err"
			rc=$?
			good=$T/rec.good
		else
			"$SP" catalog export --db "$f" --out "$T/out" 2>"$T/err"
			rc=$?
			good=$T/export.good
		fi
		if [ $rc -ne 0 ]; then
			refused=$((refused + 1))
			grep -qi "damaged\|not a smartpick catalog\|malformed" "$T/err" ||
				{ echo "# unclear refusal for $f $cmd:"; sed 's/^/# /' "$T/err"; }
		elif ! cmp -s "$T/out" "$good"; then
			silent=$((silent + 1))
			echo "# $f: $cmd exited 0 with different output"
		fi
	done
done
echo "# $damaged of $N copies damaged (integrity_check); $refused refusals"
check "flipped bits: some copies are damaged" test $damaged -gt 0
check "no damaged catalog gives different output with exit 0" test $silent -eq 0

# --- a damaged file says how to rebuild it -------------------------------
python3 - "$DB" "$T/torn.db" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
page = 4096
for i in range(2 * page + 8, 2 * page + 64):  # the middle of page 3
    b[i] ^= 0xff
open(sys.argv[2], "wb").write(b)
PY
"$SP" catalog show --db "$T/torn.db" >/dev/null 2>"$T/err"
check "a torn page is refused (exit 3)" test $? -eq 3
check "the message says damaged" grep -q "damaged catalog" "$T/err"
check "the message gives the rebuild command" \
	grep -q "smartpick catalog init --force --db" "$T/err"

# --- values edited behind the program's back ----------------------------
edit() { # NAME FIELD SQL: the edited catalog is refused naming FIELD
	local name=$1 field=$2
	cp "$DB" "$T/edit.db"
	sql "$T/edit.db" "$3"
	"$SP" catalog export --db "$T/edit.db" --out "$T/edit.csv" 2>"$T/err"
	check "export refuses $name (exit 3)" test $? -eq 3
	# Values the schema's CHECKs forbid are found by the open check.
	check "the refusal names field $field ($name)" \
		grep -q "field '$field'\|CHECK constraint failed" "$T/err"
	check "and no export file was written ($name)" test ! -e "$T/edit.csv"
	"$SP" recommend examples/profile.json --db "$T/edit.db" \
		>/dev/null 2>"$T/err"
	check "recommend refuses $name" test $? -ne 0
}
edit "selectivity 9e999" selectivity \
	"UPDATE programs SET selectivity = 9e999 WHERE id = 5"
edit "selectivity as text" selectivity \
	"UPDATE programs SET selectivity = 'high' WHERE id = 5"
edit "state ZZ" state "UPDATE programs SET state = 'ZZ' WHERE id = 7"
edit "a region off its state" region \
	"UPDATE programs SET region = (region % 9) + 1 WHERE id = 7"
edit "interview_slots 0" interview_slots \
	"PRAGMA ignore_check_constraints = 1;
	 UPDATE programs SET interview_slots = 0"
edit "an unknown track" track \
	"PRAGMA ignore_check_constraints = 1;
	 UPDATE programs SET track = 'sideways' WHERE id = 9"
edit "invalid UTF-8 in a name" name \
	"UPDATE programs SET name = CAST(X'41FF42' AS TEXT) WHERE id = 11"
edit "step2_median -1" step2_median \
	"PRAGMA ignore_check_constraints = 1;
	 UPDATE programs SET step2_median = -1 WHERE id = 11"
cp "$DB" "$T/spec.db"
sql "$T/spec.db" "PRAGMA ignore_check_constraints = 1;
	UPDATE specialties SET track = 'nowhere' WHERE code = 'IM'"
"$SP" catalog show --db "$T/spec.db" >/dev/null 2>"$T/err"
check "catalog show refuses an unknown specialty track" test $? -eq 3
check "naming the field" grep -q "field 'track'\|CHECK constraint" "$T/err"

# --- interview_slots 0 means zero, never "the default" -----------------
printf 'code,name,specialty,track,state,positions,interview_slots\nX-1,A,IM,categorical,NY,3,0\n' \
	>"$T/zero.csv"
"$SP" catalog import "$T/zero.csv" --db "$T/zero.db" 2>"$T/err"
check "import refuses interview_slots 0" test $? -eq 3
check "naming the field" grep -q "field 'interview_slots'" "$T/err"

# --- the cached market statistics: values no simulation gives are not used
cp "$DB" "$T/stats.db"
sql "$T/stats.db" "UPDATE program_stats SET ics = -1 WHERE rowid % 7 = 3;
	UPDATE program_stats SET icm = 9e999 WHERE rowid % 7 = 4"
"$SP" recommend examples/profile.json --db "$T/stats.db" >"$T/rec.stats" \
	2>/dev/null
check "edited statistics: recommend exits 0" test $? -eq 0
check "edited statistics are simulated again: the undamaged answer" \
	cmp -s "$T/rec.stats" "$T/rec.good"

# --- fitted parameters must be finite ------------------------------------
cp "$DB" "$T/params.db"
sql "$T/params.db" "UPDATE params SET value = 9e999 WHERE name =
	(SELECT name FROM params ORDER BY name LIMIT 1)"
"$SP" recommend examples/profile.json --db "$T/params.db" >/dev/null 2>"$T/err"
check "an infinite parameter is refused (exit 3)" test $? -eq 3
check "naming the parameter" grep -q "parameter .* is not a finite number" "$T/err"
