#!/bin/bash
# mpi.sh — smartpick-mpi under `mpirun --oversubscribe -np 2` against the
# plain binary: simulate (JSON and table), a short calibration and a
# study print what one process prints (timing aside); a failing command
# ends every rank with its exit code.  Skips, saying why, where Open MPI
# is absent or the build is a sanitizer build (Open MPI's own leaks).
set -u
SP=${SMARTPICK:-build/smartpick}
BUILD=${BUILD:-build}
MPI_SP="$BUILD/smartpick-mpi"
ok() { echo "ok $1"; }
bad() { echo "not ok $1"; }
skip() {
	echo "# mpi.sh: skipped: $1"
	exit 0
}

command -v mpirun >/dev/null 2>&1 || skip "no mpirun (Open MPI: tools/deps)"
pkg-config --exists ompi-c 2>/dev/null || skip "no Open MPI headers (libopenmpi-dev)"
case "$BUILD" in
build-san*) skip "sanitizer build" ;;
esac
if [ ! -x "$MPI_SP" ] || [ "$MPI_SP" -ot "$SP" ]; then
	make -s mpi BUILD="$BUILD" >/dev/null 2>&1 || {
		bad "make mpi"
		exit 0
	}
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Tests run as root in CI; Open MPI refuses that unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# No network interfaces to probe on one machine.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi() { timeout 300 mpirun --oversubscribe -np 2 "$MPI_SP" "$@"; }
notime() { grep -v -e '"timing"' -e 'ms per trial' "$1"; }

same() { # name, then the arguments of both runs
	local name=$1
	shift
	if "$SP" "$@" >"$tmp/one" 2>"$tmp/one.err" &&
		mpi "$@" >"$tmp/two" 2>"$tmp/two.err" &&
		diff <(notime "$tmp/one") <(notime "$tmp/two") >"$tmp/diff"; then
		ok "$name"
	else
		bad "$name"
		head -n 10 "$tmp/diff" "$tmp/one.err" "$tmp/two.err"
	fi
}

sim=(simulate --builtin -q -s DERM,TS,VS --seed 5)
same "mpi simulate --json: as one process" "${sim[@]}" -n 5 -j 1 --json
same "mpi simulate table: as one process" "${sim[@]}" -n 3 -j 2
same "mpi simulate, one trial on two ranks" "${sim[@]}" -n 1 --json

# The ranks really split the trials: rank 1 alone would differ.
if "$SP" "${sim[@]}" -n 2 -j 1 --json >"$tmp/n2" &&
	! diff <(notime "$tmp/n2") <(notime "$tmp/two") >/dev/null; then
	ok "mpi simulate: another trial count differs"
else
	bad "mpi simulate: another trial count differs"
fi

same "mpi calibrate: as one process" calibrate --builtin -q --trials 3 \
	--max-iter 2 --json -j 1 -s DERM,TS,VS
same "mpi calibrate --evaluate: as one process" calibrate --builtin -q \
	--trials 2 --evaluate --json -s DERM,TS

# A study: the table, the CSV and the SVG as one process writes them
# (rank 0 alone writes the files).
cat >"$tmp/study.json" <<'JSON'
{"vary": "signals", "specialty": "DERM", "values": [0, 5], "trials": 3,
 "seed": 4, "simulate": ["DERM", "TS"]}
JSON
if "$SP" study -q --builtin -j 1 "$tmp/study.json" --csv "$tmp/a.csv" \
	--svg "$tmp/a.svg" >"$tmp/a.txt" &&
	mpi study -q --builtin -j 1 "$tmp/study.json" --csv "$tmp/b.csv" \
		--svg "$tmp/b.svg" >"$tmp/b.txt" &&
	cmp -s "$tmp/a.txt" "$tmp/b.txt" && cmp -s "$tmp/a.csv" "$tmp/b.csv" &&
	cmp -s "$tmp/a.svg" "$tmp/b.svg" &&
	[ -z "$(find "$tmp" -name '*.tmp.*')" ]; then
	ok "mpi study: as one process"
else
	bad "mpi study: as one process"
fi

# A command that is not spread is refused, exit 2, the database
# untouched.
mpi catalog init --db "$tmp/c.db" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ ! -e "$tmp/c.db" ] && grep -q "use smartpick" "$tmp/out"; then
	ok "mpi: catalog is refused"
else
	bad "mpi: catalog is refused (exit $rc)"
fi

# A usage error ends every rank with exit 2.
mpi simulate --no-such-option >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ]; then
	ok "mpi: a usage error exits 2"
else
	bad "mpi: a usage error exits 2 (got $rc)"
fi
