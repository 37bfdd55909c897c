# tests/integration/lib-serve.bash — sourced (not run) by the integration
# scripts that start a real server: a temporary directory $T removed on
# exit with the server, check NAME CONDITION (prints "ok NAME" or "not ok
# NAME"), and serve_start ARGS..., which starts `$SP serve --port 0 ARGS`
# in the background and sets U to its URL (empty when it did not start),
# its output in $T/serve.out and $T/serve.err.
T=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
check() { if eval "$2"; then echo "ok $1"; else echo "not ok $1"; fi; }

serve_start() {
	"$SP" serve --port 0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
	PID=$!
	for _ in $(seq 600); do
		grep -q "serving on" "$T/serve.out" 2>/dev/null && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	U=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/serve.out")
}
