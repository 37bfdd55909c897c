#!/bin/bash
# tests/integration/outputs.sh — nothing lost, nothing replaced: every
# --out / --summary / --csv option writes a regular file whole (through a
# temporary renamed into place), writes a device, FIFO or /dev/stdout
# directly without replacing it, follows a symlink to its target, and
# refuses a link to nothing; a write that fails (a full device, a file
# size limit, a closed or full stdout/stderr) exits non-zero and leaves
# no new file or folder behind.  Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
mkdir -p build
T=$(mktemp -d build/it-outputs.XXXXXX)
trap 'rm -rf "$T"' EXIT

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}
leftovers() { # DIR: no temporaries left in DIR
	! ls -a "$1" | grep -q '\.tmp\.'
}

"$SP" gen --seed 3 --out "$T/m.rp" || echo "not ok gen"
"$SP" match -q "$T/m.rp" --out "$T/good.rp"
check "match writes a regular file" test -f "$T/good.rp"

# --- a device node: written in place, never replaced --------------------
# As root, nodes of our own under the build directory: a regression must
# not replace the machine's /dev/full or /dev/null.  (Not as root, the
# system's nodes cannot be replaced anyway.)
dev=/dev/full
null=/dev/null
if mknod "$T/full" c 1 7 2>/dev/null; then dev=$T/full; fi
if mknod -m 666 "$T/null" c 1 3 2>/dev/null; then null=$T/null; fi
"$SP" match -q "$T/m.rp" --out "$dev" 2>"$T/err"
rc=$?
check "match --out onto a full device exits 4" test $rc -eq 4
check "the device node is left alone" test -c "$dev"
check "the error names the device" grep -q "full" "$T/err"
"$SP" match -q "$T/m.rp" --out "$null"
check "match --out a null device exits 0" test $? -eq 0
check "the null device is still a device" test -c "$null"
"$SP" match "$T/m.rp" --out "$null" --summary "$dev" 2>/dev/null
check "match --summary onto a full device exits 4" test $? -eq 4
"$SP" catalog init --db "$T/c.db" >/dev/null
"$SP" catalog export --db "$T/c.db" --out "$dev" 2>/dev/null
check "catalog export onto a full device exits 4" test $? -eq 4
check "the device node survives every command" test -c "$dev"

# --- /dev/stdout: the descriptor the shell set up ----------------------
"$SP" match -q "$T/m.rp" --out /dev/stdout >"$T/via-stdout.rp"
check "match --out /dev/stdout exits 0" test $? -eq 0
check "--out /dev/stdout writes the matching" cmp -s "$T/good.rp" \
	"$T/via-stdout.rp"
echo "first line" >"$T/append.log"
"$SP" match -q "$T/m.rp" --out /dev/stdout >>"$T/append.log"
check "--out /dev/stdout >> keeps what was there" \
	grep -q "first line" "$T/append.log"
"$SP" match -q "$T/m.rp" --out /dev/stdout | cmp -s - "$T/good.rp"
check "--out /dev/stdout into a pipe" test $? -eq 0

# --- a FIFO: written directly, still a FIFO after ----------------------
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo" &
reader=$!
"$SP" match -q "$T/m.rp" --out "$T/fifo"
rc=$?
wait $reader
check "match --out FIFO exits 0" test $rc -eq 0
check "the FIFO is still a FIFO" test -p "$T/fifo"
check "the reader got the matching" cmp -s "$T/good.rp" "$T/from-fifo"

# --- symlinks: followed to the target, as cp does ----------------------
mkdir "$T/real"
echo old >"$T/real/target.rp"
chmod 640 "$T/real/target.rp"
ln -s real/target.rp "$T/link.rp"
"$SP" match -q "$T/m.rp" --out "$T/link.rp"
check "match --out symlink exits 0" test $? -eq 0
check "the symlink is still a symlink" test -L "$T/link.rp"
check "its target holds the matching" cmp -s "$T/good.rp" \
	"$T/real/target.rp"
check "the target keeps its permissions" \
	test "$(stat -c %a "$T/real/target.rp")" = 640
check "no temporary beside the link or the target" \
	bash -c "! ls -a '$T' '$T/real' | grep -q '\.tmp\.'"
ln -s nowhere/at/all.rp "$T/dangling.rp"
"$SP" match -q "$T/m.rp" --out "$T/dangling.rp" 2>"$T/err"
check "a link to nothing is refused (exit 4)" test $? -eq 4
check "the refusal says why" grep -q "symbolic link to nothing" "$T/err"
check "the dangling link is untouched" test -L "$T/dangling.rp"
"$SP" match -q "$T/m.rp" --out "$T/real" 2>"$T/err"
check "a directory is refused" test $? -eq 4
# The same in a CSV folder: a linked file is followed; a FIFO is refused.
mkdir -p "$T/csv" "$T/kept"
ln -s ../kept/programs.csv "$T/csv/programs.csv"
echo old >"$T/kept/programs.csv"
"$SP" gen --seed 3 --format csv --out "$T/csv"
check "gen into a CSV folder with a linked file exits 0" test $? -eq 0
check "the linked file's target gets the programs" \
	grep -q "^program,quota" "$T/kept/programs.csv"
check "the link is still a link" test -L "$T/csv/programs.csv"
mkfifo "$T/csv/couples.csv.fifo"
rm -f "$T/csv/couples.csv"
mv "$T/csv/couples.csv.fifo" "$T/csv/couples.csv"
"$SP" gen --seed 3 --format csv --out "$T/csv" 2>"$T/err"
check "a FIFO in a CSV folder is refused (exit 4)" test $? -eq 4
check "and still a FIFO" test -p "$T/csv/couples.csv"
check "no temporary left in the CSV folder" leftovers "$T/csv"

# --- failed writes: exit 4, nothing new left behind --------------------
# A file size limit makes the Nth write fail (EFBIG) like a full disk.
limited() { (
	trap '' XFSZ
	ulimit -f 8
	"$@"
); }
limited "$SP" gen --seed 1 --preset national --out "$T/big.rp" 2>"$T/err"
check "gen past the size limit exits 4" test $? -eq 4
check "gen leaves no partial file" test ! -e "$T/big.rp"
check "gen leaves no temporary" leftovers "$T"
limited "$SP" gen --seed 1 --format csv --out "$T/newdir/" 2>/dev/null
check "failed gen --out DIR/ exits 4" test $? -eq 4
check "failed gen --out DIR/ leaves no folder" test ! -e "$T/newdir"
echo keep >"$T/keep.rp"
limited "$SP" gen --seed 1 --preset national --out "$T/keep.rp" 2>/dev/null
check "a failed write keeps the old file" grep -q keep "$T/keep.rp"

# --- stdout and stderr are checked at exit -----------------------------
"$SP" match -q "$T/m.rp" >"$T/m-stdout.rp"
"$SP" verify --json "$T/m.rp" "$T/m-stdout.rp" >/dev/full 2>/dev/null
check "verify --json > /dev/full exits 4" test $? -eq 4
"$SP" match "$T/m.rp" --out "$T/x.rp" 2>/dev/full
check "match 2>/dev/full exits 4" test $? -eq 4
"$SP" match -q "$T/m.rp" >/dev/full 2>"$T/err"
check "match > /dev/full exits non-zero" test $? -ne 0
check "and says stdout could not be written" grep -q "stdout" "$T/err"
"$SP" verify --json "$T/m.rp" "$T/m-stdout.rp" >&- 2>/dev/null
check "verify with stdout closed exits 4" test $? -eq 4
"$SP" --version >/dev/full 2>/dev/null
check "--version > /dev/full exits non-zero" test $? -ne 0

# --- a failed import into a missing catalog leaves no catalog ----------
printf 'code,name,specialty,track,state,positions\nX-1,A,IM,categorical,ZZ,3\n' \
	>"$T/bad.csv"
"$SP" catalog import "$T/bad.csv" --db "$T/new.db" 2>/dev/null
check "failed import exits 3" test $? -eq 3
check "failed import leaves no new catalog" test ! -e "$T/new.db"
for num in 0x1p3 +5 0x10 inf nan; do
	printf 'code,name,specialty,track,state,positions,selectivity\nX-1,A,IM,categorical,NY,3,%s\n' \
		"$num" >"$T/num.csv"
	"$SP" catalog import "$T/num.csv" --db "$T/new.db" 2>"$T/err"
	check "import refuses selectivity $num" test $? -eq 3
	check "the refusal names line and field ($num)" \
		grep -q "num.csv:2: field 'selectivity'" "$T/err"
done
check "no catalog left by refused numbers" test ! -e "$T/new.db"
