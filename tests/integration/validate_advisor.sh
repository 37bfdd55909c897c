#!/bin/bash
# validate_advisor.sh — tools/validate-advisor, the advisor's validation
# panel, on a fresh catalog with two seasons: the table has one row per
# profile checked, --only picks profiles by id, and a bad id or option
# is an error that names it (exit 2).
set -u
SP=${SMARTPICK:-build/smartpick}
here=$(cd "$(dirname "$0")/../.." && pwd)
case $SP in /*) ;; *) SP=$here/$SP ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "ok $1"; }
bad() { echo "not ok $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
V() { SMARTPICK="$SP" "$here/tools/validate-advisor" --db "$tmp/c.db" "$@"; }

"$SP" catalog init --db "$tmp/c.db" -q >/dev/null 2>&1
"$SP" catalog stats --db "$tmp/c.db" --trials 2 >/dev/null 2>&1

check "validate-advisor: --only checks the profiles named, one row each" \
	'V --trials 2 --seed 3 --only fm-do-c500,peds-md-240 >"$tmp/t.md" 2>"$tmp/t.err" &&
	 [ "$(grep -c "^| [a-z]" "$tmp/t.md")" = 3 ] &&
	 grep -q "^| fm-do-c500 | Family Medicine |" "$tmp/t.md" &&
	 grep -q "^| peds-md-240 | Pediatrics |" "$tmp/t.md" &&
	 grep -q "^2 profiles, 2 seasons x 1 copies each (seed 3): " "$tmp/t.md"'
check "validate-advisor: a profile not in the panel is named, exit 2" \
	'V --only fm-do-c500,nosuch >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] &&
	 grep -q "no profile nosuch in examples/panel.csv" "$tmp/e" && [ ! -s "$tmp/o" ]'
check "validate-advisor: an unknown option is a usage error, exit 2" \
	'V --bogus >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] && grep -q "^usage:" "$tmp/e"'
check "validate-advisor: an option without its value is a usage error" \
	'V --trials >"$tmp/o" 2>"$tmp/e"; [ $? = 2 ] && grep -q "^usage:" "$tmp/e"'
