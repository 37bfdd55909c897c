#!/bin/bash
# tests/integration/install.sh — packaging: `make install DESTDIR=...
# PREFIX=/opt/sp` stages the command, the page and the manual pages;
# every page renders with `man --warnings` and no warning, and `man`
# finds smartpick(1) under the prefix; the installed `smartpick serve`,
# started from an unrelated directory, serves the page (real HTTP
# requests with curl); `smartpick help TOPIC` prints the same text as
# the TOPICS section of smartpick(1) (both from man/topics/).  The
# nested make inherits the suite's variables (BUILD, SANITIZE) through
# MAKEFLAGS.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib-serve.bash
. "$here/tests/integration/lib-serve.bash"

stage="$T/stage"
P="$stage/opt/sp"
if ! make -s -C "$here" install BUILD="${BUILD:-build}" DESTDIR="$stage" \
	PREFIX=/opt/sp >"$T/make.log" 2>&1; then
	echo "not ok install: make install failed"
	sed 's/^/# /' "$T/make.log" | tail -n 20
	exit 1
fi
echo "ok install: make install DESTDIR PREFIX"
check "install: the command, the page, the manual pages" \
	'[ -x "$P/bin/smartpick" ] && [ -s "$P/share/smartpick/web/index.html" ] &&
	 [ -s "$P/share/man/man1/smartpick.1" ] && [ -s "$P/share/man/man1/smartpick-rank.1" ]'
check "install: nothing outside DESTDIR/PREFIX" \
	'[ -z "$(find "$stage" -mindepth 1 -maxdepth 1 ! -name opt)" ]'
n=0
for page in "$P"/share/man/man1/*.1; do
	n=$((n + 1))
	check "install: man --warnings -l $(basename "$page") renders cleanly" \
		'out=$(man --warnings -l "$page" 2>&1 >/dev/null) && [ -z "$out" ]'
done
check "install: a manual page per subcommand" '[ "$n" -ge 11 ]'
check "install: man finds smartpick(1) under the prefix" \
	'MANPATH="$P/share/man" man -w smartpick | grep -q "^$P/share/man/man1/smartpick.1"'
check "install: smartpick(1) holds the help topics" \
	'MANWIDTH=200 man -l "$P/share/man/man1/smartpick.1" 2>/dev/null |
	 grep -q "cutoffs moved up and then down by a little"'
check "install: help TOPIC prints man/topics/TOPIC.txt" \
	'"$P/bin/smartpick" help interval | cmp -s - "$here/man/topics/interval.txt"'
check "install: help COMMAND is the command's --help" \
	'"$P/bin/smartpick" help rank | grep -q "usage: smartpick rank"'
check "install: help with no such topic is exit 2" \
	'"$P/bin/smartpick" help nothing-here >/dev/null 2>&1; [ $? -eq 2 ]'

# The installed server, from a directory with no page in it.
mkdir -p "$T/elsewhere"
cd "$T/elsewhere" || exit 1
"$P/bin/smartpick" catalog init --db c.db -q >/dev/null 2>&1
"$P/bin/smartpick" catalog stats --db c.db --trials 2 -q >/dev/null 2>&1
unset SMARTPICK_WEB
SP="$P/bin/smartpick" serve_start --db c.db
check "install: the installed serve starts from another directory" '[ -n "$U" ]'
get() { curl -s --max-time 20 -o "$T/body" -w '%{http_code}' "$U$1"; }
check "install: GET / serves the installed page" \
	'[ "$(get /)" = 200 ] && cmp -s "$T/body" "$P/share/smartpick/web/index.html"'
check "install: GET /vendor/chart.umd.min.js" \
	'[ "$(get /vendor/chart.umd.min.js)" = 200 ] && [ -s "$T/body" ]'
check "install: the API answers too" \
	'[ "$(get /api/health)" = 200 ] && grep -q "\"status\":\"ok\"" "$T/body"'
