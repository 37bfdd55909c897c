#!/bin/bash
# update.sh — regenerates the personas' golden reports (expected/NAME.json)
# from a fresh default catalog: `smartpick recommend --json` on each
# persona.  Run it after a change that moves the advisor's figures on
# purpose (a new catalog, a refit, a model change) and review the diff;
# tests/integration/personas.sh compares against these files and checks the
# advisor's properties on every persona whatever the catalog.
set -eu
cd "$(dirname "$0")/../../.."
SP=${SMARTPICK:-build/smartpick}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$SP" catalog init --db "$tmp/c.db" -q >/dev/null
mkdir -p tests/golden/personas/expected
for f in tests/golden/personas/*.json; do
	name=$(basename "$f" .json)
	"$SP" recommend --json --db "$tmp/c.db" -q "$f" \
		>"tests/golden/personas/expected/$name.json"
done
echo "updated $(ls tests/golden/personas/*.json | wc -l) golden reports"
