#!/bin/bash
# tests/integration/browser.sh — the page in a real browser: builds web/
# (tools/web-build), makes a temporary catalog, starts `smartpick serve` on
# 127.0.0.1 with a free port, and runs tests/browser/page.test.mjs, which
# drives Debian's Chromium through the page with playwright-core and prints
# "ok NAME" / "not ok NAME" per check.  Screenshots (desktop, phone, print,
# detail view) go to $BUILD/screenshots/ (the test writes nothing else
# outside the build directory; docs/screenshots/ is updated by hand from
# there, `cp build/screenshots/*.png docs/screenshots/`).  A missing node or Chromium is a failure, never a
# silent skip: tools/deps installs both.
set -u
cd "$(dirname "$0")/../.."
SP=${SMARTPICK:-build/smartpick}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SHOTS="$(dirname "$SP")/screenshots"
T=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

if ! command -v node >/dev/null 2>&1; then
	echo "not ok browser: node is missing (run tools/deps)"
	exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
	echo "not ok browser: node $(node --version) is too old (playwright-core needs 20 or newer)"
	exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
	echo "not ok browser: $CHROMIUM is missing (run tools/deps)"
	exit 1
fi
if ! tools/web-build >"$T/build.log" 2>&1; then
	echo "not ok browser: tools/web-build failed"
	sed 's/^/# /' "$T/build.log" | tail -n 20
	exit 1
fi
echo "ok browser: web/dist built"

if ! "$SP" catalog init --db "$T/catalog.db" >"$T/init.log" 2>&1; then
	echo "not ok browser: catalog init failed"
	sed 's/^/# /' "$T/init.log" | tail -n 5
	exit 1
fi

: >"$T/serve.out"
"$SP" serve --port 0 --host 127.0.0.1 --db "$T/catalog.db" --web web/dist \
	>"$T/serve.out" 2>"$T/serve.err" &
pid=$!
# The first start on a new catalog simulates the market once for the
# advisor's statistics (seconds; minutes under the sanitizers).
url=
for _ in $(seq 6000); do
	url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$T/serve.out" | head -n 1)
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$url" ]; then
	echo "not ok browser: smartpick serve printed no URL"
	sed 's/^/# /' "$T/serve.err" | tail -n 10
	exit 1
fi
echo "ok browser: smartpick serve is up"

node tests/browser/page.test.mjs "$url" "$SHOTS" 2>"$T/node.err" | sed 's/^\(not \)\{0,1\}ok /&browser: /'
rc=${PIPESTATUS[0]}
node tests/browser/rank.test.mjs "$url" "$SHOTS" 2>>"$T/node.err" | sed 's/^\(not \)\{0,1\}ok /&browser: /'
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
node tests/browser/list.test.mjs "$url" "$SHOTS" 2>>"$T/node.err" | sed 's/^\(not \)\{0,1\}ok /&browser: /'
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
if [ "$rc" -ne 0 ]; then
	sed 's/^/# /' "$T/node.err" | tail -n 20
fi

if kill -0 "$pid" 2>/dev/null; then
	echo "ok browser: server still up after the run"
else
	echo "not ok browser: server died during the run"
	sed 's/^/# /' "$T/serve.err" | tail -n 10
fi

exit "$rc"
