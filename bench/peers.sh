#!/bin/bash
# bench/peers.sh — SmartPick side by side with other open-source match
# engines, on markets our generator writes.
#
# It RUNS peer tools that you have built yourself and names by variable;
# it never downloads, patches or builds them, and a peer whose variable
# is unset is skipped:
#
#   MATCHRP=/path/to/matchrp   stable-matching-suite's Roth-Peranson
#                              matcher (aperrault/stable-matching-suite);
#                              run as -alg=0 (RP 1999, static couple
#                              order), 1 (RP, random reorders) and 2
#                              (Kojima-Pathak-Roth) on couples markets
#   MATCHVF=/path/to/matchvf   its stability verifier; it also checks the
#                              matchings SmartPick finds
#   PY_MATCHING_SRC=/path/to/matching/src
#                              daffidwilde/matching (Python), run with
#                              $PYTHON (default python3, needs numpy)
#
# Knobs: PEER_RUNS (default 5) runs per timing, reported as best and
# median; SINGLES_SIZES (default "5000 10000 47000") applicants in the
# singles markets; PY_SIZES (default "5000 10000": Python `matching`
# takes minutes at 40k applicants); COUPLES_SIZES (default "5000
# 47000"); PEER_TIMEOUT (default 120) seconds per peer run.
#
# Markets: SIZE applicants, SIZE/7 programs, 0.915 SIZE positions (the
# 2025 NRMP ratios), 12 ranks per single, 20 pairs per couple, the
# generator's default correlation, no supplemental lists or reversions
# (no peer supports them); couples markets have 1200 couples per 47000
# applicants.  Every peer reads the same file, ids renamed to the
# integers stable-matching-suite needs.  SmartPick's time is the whole
# `smartpick match` command (parse, match, write), like matchrp's wall
# time; the bench_match figures give SmartPick's steps alone.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SP="$PWD/$BUILD/smartpick"
RUNS=${PEER_RUNS:-5}
SINGLES_SIZES=${SINGLES_SIZES:-5000 10000 47000}
PY_SIZES=${PY_SIZES:-5000 10000}
COUPLES_SIZES=${COUPLES_SIZES:-5000 47000}
TIMEOUT=${PEER_TIMEOUT:-120}
PYTHON=${PYTHON:-python3}

[ -x "$SP" ] || { echo "peers.sh: build $SP first (make)" >&2; exit 2; }
for v in MATCHRP MATCHVF; do
	if [ -n "${!v:-}" ] && [ ! -x "${!v}" ]; then
		echo "peers.sh: $v=${!v} is not executable" >&2
		exit 2
	fi
done
if [ -n "${PY_MATCHING_SRC:-}" ] && [ ! -d "$PY_MATCHING_SRC/matching" ]; then
	echo "peers.sh: PY_MATCHING_SRC=$PY_MATCHING_SRC has no matching/ package" >&2
	exit 2
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/smartpick-peers.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM

# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# timed N CMD...: runs CMD N times (output to $DIR/out, $DIR/err); sets
# BEST and MEDIAN in ms and STATUS to the last exit status.
timed() {
	local n=$1 i t0 t1
	shift
	local ts=()
	for ((i = 0; i < n; i++)); do
		t0=$(now_ms)
		set +e
		timeout "$TIMEOUT" "$@" >"$DIR/out" 2>"$DIR/err"
		STATUS=$?
		set -e
		t1=$(now_ms)
		ts+=($((t1 - t0)))
		[ "$STATUS" -eq 124 ] && break
	done
	mapfile -t ts < <(printf '%s\n' "${ts[@]}" | sort -n)
	BEST=${ts[0]}
	MEDIAN=${ts[$((${#ts[@]} / 2))]}
}

# ratio A B: B/A with one decimal.
# (Parenthesized: in mawk a bare `printf ..., a > 0` redirects to a file.)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf("%.1f", (a > 0) ? b / a : 0) }'; }

# Renames P<n>, A<n>, C<n> tokens to n-1 (stable-matching-suite ids).
to_ints() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[PAC][0-9]+$/) $i = substr($i, 2) - 1; print }' "$1"
}

# Our matching (rp) as sorted "rid pid" pairs.
pairs_of_ours() { to_ints "$1" | awk '$1 == "r" { print $2, $3 }' | sort; }
# matchrp's output as sorted "rid pid" pairs, unmatched left out.
pairs_of_matchrp() { awk '$1 == "r" && $3 != -1 { print $2, $3 }' "$1" | sort; }

# gen NAME APPLICANTS COUPLES: writes $DIR/NAME.rp and $DIR/NAME.int.rp.
gen() {
	local name=$1 n=$2 c=$3
	"$SP" gen --seed 1 --applicants "$n" --couples "$c" \
		--programs $((n / 7)) --positions $((n * 915 / 1000)) \
		--rol-len 12 --couple-rol-len 20 --supplemental 0 \
		--reversions 0 --out "$DIR/$name.rp"
	to_ints "$DIR/$name.rp" >"$DIR/$name.int.rp"
}

# ours NAME: times `smartpick match`; sets OURS_MEDIAN.
ours() {
	timed "$RUNS" "$SP" match "$DIR/$1.rp" -q -o "$DIR/$1.ours"
	OURS_MEDIAN=$MEDIAN
	printf '  %-34s %8s ms median %8s ms best  (status %s)\n' \
		"smartpick match" "$MEDIAN" "$BEST" "$STATUS"
	if [ -n "${MATCHVF:-}" ]; then
		{ echo "m 1"; to_ints "$DIR/$1.ours" | grep '^r '; } >"$DIR/$1.ours.int"
		set +e
		"$MATCHVF" "$DIR/$1.int.rp" "$DIR/$1.ours.int" >"$DIR/vf" 2>&1
		set -e
		printf '  %-34s %s\n' "matchvf on smartpick's matching" \
			"$(grep -m1 -E 'Match ok|ERROR|Unstable' "$DIR/vf" || tail -n 1 "$DIR/vf")"
	fi
}

# matchrp NAME ALG [COMPARE]: times matchrp -alg=ALG.
matchrp() {
	local name=$1 alg=$2 compare=${3:-}
	timed "$RUNS" "$MATCHRP" -alg="$alg" "$DIR/$name.int.rp"
	local label="matchrp -alg=$alg"
	if [ "$STATUS" -eq 124 ]; then
		printf '  %-34s no result in %s s\n' "$label" "$TIMEOUT"
		return
	fi
	cp "$DIR/out" "$DIR/$name.mrp"
	local cpu found same=""
	cpu=$(awk '/^#CPU/ { printf("%.0f", $3 * 1000) }' "$DIR/$name.mrp")
	found=$(grep -m1 '^m ' "$DIR/$name.mrp" || echo "m ?")
	if [ -n "$compare" ]; then
		local d
		d=$(diff <(pairs_of_ours "$DIR/$name.ours") \
			<(pairs_of_matchrp "$DIR/$name.mrp") | grep -c '^[<>]' || true)
		same="; differs from smartpick in $d assignments"
	fi
	printf '  %-34s %8s ms median %8s ms best  (%sx smartpick; algorithm CPU %s ms; %s%s)\n' \
		"$label" "$MEDIAN" "$BEST" "$(ratio "$OURS_MEDIAN" "$MEDIAN")" \
		"${cpu:-?}" "$found" "$same"
}

# python_matching NAME: daffidwilde/matching, build and solve timed apart.
python_matching() {
	local name=$1
	set +e
	PYTHONPATH="$PY_MATCHING_SRC" timeout "$((TIMEOUT * 10))" "$PYTHON" - \
		"$DIR/$name.rp" "$DIR/$name.py" >"$DIR/pyout" 2>&1 <<'PY'
import sys, time
sys.setrecursionlimit(1000000)
from matching.games import HospitalResident

residents, hospitals, capacity = {}, {}, {}
with open(sys.argv[1]) as f:
    for line in f:
        t = line.split()
        if not t:
            continue
        if t[0] == "r":
            residents[t[1]] = t[2:]
        elif t[0] == "p":
            capacity[t[1]] = int(t[2])
            hospitals[t[1]] = t[3:]
t0 = time.perf_counter()
game = HospitalResident.create_from_dictionaries(
    residents, hospitals, capacity, clean=True)
t1 = time.perf_counter()
matching = game.solve(optimal="resident")
t2 = time.perf_counter()
with open(sys.argv[2], "w") as out:
    for h, rs in matching.items():
        for r in rs:
            out.write("r %s %s\n" % (r.name, h.name))
print("build %.0f solve %.0f" % ((t1 - t0) * 1000, (t2 - t1) * 1000))
PY
	local st=$?
	set -e
	if [ "$st" -ne 0 ]; then
		printf '  %-34s failed (status %s): %s\n' "python matching" "$st" \
			"$(tail -n 1 "$DIR/pyout")"
		return
	fi
	local build solve d
	read -r _ build _ solve < <(grep '^build ' "$DIR/pyout" | tail -n 1)
	d=$(diff <(pairs_of_ours "$DIR/$name.ours") \
		<(to_ints "$DIR/$name.py" | awk '{ print $2, $3 }' | sort) |
		grep -c '^[<>]' || true)
	printf '  %-34s %8s ms build + %s ms solve, one run  (%sx smartpick; differs in %s assignments)\n' \
		"python matching" "$build" "$solve" \
		"$(ratio "$OURS_MEDIAN" $((build + solve)))" "$d"
}

echo "== peers: $(nproc) cores, $(date -u +%Y-%m-%d); $RUNS runs per timing, ${TIMEOUT}s limit"
for n in $SINGLES_SIZES; do
	name="s$n"
	gen "$name" "$n" 0
	echo
	echo "-- singles, $n applicants, $((n / 7)) programs, $((n * 915 / 1000)) positions"
	ours "$name"
	[ -n "${MATCHRP:-}" ] && matchrp "$name" 0 compare
	if [ -n "${PY_MATCHING_SRC:-}" ] && [[ " $PY_SIZES " == *" $n "* ]]; then
		python_matching "$name"
	fi
done
for n in $COUPLES_SIZES; do
	name="c$n"
	c=$((n * 1200 / 47000))
	gen "$name" "$n" "$c"
	echo
	echo "-- couples, $n applicants ($c couples), $((n / 7)) programs, $((n * 915 / 1000)) positions"
	ours "$name"
	if [ -n "${MATCHRP:-}" ]; then
		matchrp "$name" 0
		matchrp "$name" 1
		matchrp "$name" 2
	fi
done
