#!/bin/bash
# bench/load.sh — load benchmark of `smartpick serve` with wrk on loopback.
#
# Starts the server (--port 0) on a temporary synthetic catalog, then runs
# wrk for LOAD_SECONDS each:
#   1. recommend: POST /api/recommend with examples/profile.json at
#      LOAD_CONNECTIONS connections — throughput, latency percentiles,
#      failed requests (socket errors, timeouts, non-2xx);
#   2. programs: GET /api/programs?specialty=IM&limit=50, the same way
#      (the cheap endpoint: what the transport itself costs);
#   3. malformed: a mix of hostile requests (malformed and deep JSON,
#      wrong content types, unknown paths, traversal, bad queries, wrong
#      methods), each of which must be answered 4xx — counted by class —
#      with no socket error, and the server must answer /api/health after.
# The server's resident memory (VmRSS from /proc) is sampled every second
# and reported at the start, middle and end of each run.  Targets (issue):
# >= 200 recommendations/s and p99 <= 500 ms at 64 connections, zero
# failed requests, flat memory over a 60-second run.  Figures go to
# docs/benchmarks.md by hand.
#
#   bench/load.sh                     (BUILD=build, 60 s per run)
#   LOAD_SECONDS=20 LOAD_CONNECTIONS=64 BUILD=build-x bench/load.sh
#   LOAD_RUNS="recommend" bench/load.sh     (some of the three runs)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SP="$PWD/$BUILD/smartpick"
SECONDS_=${LOAD_SECONDS:-60}
CONNS=${LOAD_CONNECTIONS:-64}
WRK_THREADS=${LOAD_WRK_THREADS:-2}
STATS_TRIALS=${LOAD_STATS_TRIALS:-4}

command -v wrk >/dev/null || {
	echo "bench/load.sh: wrk is missing (tools/deps installs it)" >&2
	exit 1
}
T=$(mktemp -d)
PID=""
SAMPLER=""
cleanup() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

echo "== load: smartpick serve under wrk ($CONNS connections, ${SECONDS_} s per run, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$SP" catalog init --db "$T/cat.db" -q
"$SP" catalog stats --db "$T/cat.db" --trials "$STATS_TRIALS" -q
"$SP" serve --port 0 --db "$T/cat.db" --web "$T/noweb" \
	--max-connections 1024 >"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 600); do
	grep -q "serving on" "$T/out" 2>/dev/null && break
	sleep 0.1
done
U=$(sed -n 's|^SmartPick serving on \(http://[^ ]*\)/$|\1|p' "$T/out")
[ -n "$U" ] || {
	cat "$T/err" >&2
	exit 1
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }
# The server's CPU time so far (user + system), in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
TICK=$(getconf CLK_TCK)

# Samples VmRSS (KiB) once a second into $1 until killed.
sample() {
	while kill -0 "$PID" 2>/dev/null; do
		rss >>"$1"
		sleep 1
	done
}

# Common Lua: per-thread status counters, summed in done().
cat >"$T/common.lua" <<'EOF'
local threads = {}
function setup(thread)
	table.insert(threads, thread)
end
function init(args)
	s2, s4, s5, s503 = 0, 0, 0, 0
end
function response(status, headers, body)
	if status < 300 then s2 = s2 + 1
	elseif status < 500 then s4 = s4 + 1
	else
		s5 = s5 + 1
		if status == 503 then s503 = s503 + 1 end
	end
end
function done(summary, latency, requests)
	local a, b, c, d = 0, 0, 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("s2"); b = b + t:get("s4"); c = c + t:get("s5")
		d = d + t:get("s503")
	end
	local e = summary.errors
	io.write(string.format(
		"result requests=%d rps=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f 2xx=%d 4xx=%d 5xx=%d (503=%d) connect_err=%d read_err=%d write_err=%d timeouts=%d\n",
		summary.requests, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		a, b, c, d, e.connect, e.read, e.write, e.timeout))
end
EOF

{
	cat "$T/common.lua"
	printf 'local f = io.open("%s", "rb")\n' "$PWD/examples/profile.json"
	cat <<'EOF'
wrk.method = "POST"
wrk.path = "/api/recommend"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
EOF
} >"$T/recommend.lua"

{
	cat "$T/common.lua"
	cat <<'EOF'
-- Built on the first call, once wrk has set the Host header (a request
-- without one is refused by MHD itself, which then closes the connection).
local deep = string.rep("[", 5000) .. string.rep("]", 5000)
local reqs
local function build() return {
	wrk.format("POST", "/api/recommend", {["Content-Type"] = "application/json"}, '{"applicant_type": "us_md", "step2": '),
	wrk.format("POST", "/api/recommend", {["Content-Type"] = "application/json"}, deep),
	wrk.format("POST", "/api/recommend", {["Content-Type"] = "application/json"}, '{"applicant_type":"martian","step2":999}'),
	wrk.format("POST", "/api/recommend", {["Content-Type"] = "text/plain"}, "hello"),
	wrk.format("POST", "/api/recommend", {["Content-Type"] = "application/json"}, ""),
	wrk.format("POST", "/api/portfolio", {["Content-Type"] = "application/json"}, '{"options":[{"id":"a","p":2}]}'),
	wrk.format("GET", "/api/recommend"),
	wrk.format("PUT", "/api/health"),
	wrk.format("GET", "/api/nothing/here"),
	wrk.format("GET", "/../../../etc/passwd"),
	wrk.format("GET", "/%2e%2e/%2e%2e/etc/passwd"),
	wrk.format("GET", "/..%2f..%2fetc%2fpasswd"),
	wrk.format("GET", "/index.html%00.js"),
	wrk.format("GET", "/api/programs?limit=100000&offset=-1"),
	wrk.format("GET", "/api/programs?q=%zz"),
	wrk.format("GET", "/api/programs?specialty=" .. string.rep("X", 300)),
	wrk.format("GET", "/api/programs/abc"),
	wrk.format("GET", "/api/programs?" .. string.rep("a=1&", 20)),
	wrk.format("GET", "/api/health", {["Host"] = "attacker.example"}),
} end
local i = 0
request = function()
	reqs = reqs or build()
	i = i % #reqs + 1
	return reqs[i]
end
EOF
} >"$T/malformed.lua"

{
	cat "$T/common.lua"
	echo 'wrk.path = "/api/programs?specialty=IM&limit=50"'
} >"$T/programs.lua"

# run NAME SCRIPT: wrk for SECONDS_ with RSS sampling; prints one line.
run() {
	local name=$1 script=$2
	: >"$T/rss.$name"
	sample "$T/rss.$name" &
	SAMPLER=$!
	local c0 c1
	c0=$(cpu)
	wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECONDS_}s" --timeout 10s \
		-s "$script" "$U" >"$T/wrk.$name" 2>&1 || true
	c1=$(cpu)
	# Let the server finish what it had already read before the next run.
	until [ "$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' "$U/api/health")" = 200 ]; do
		sleep 1
	done
	kill "$SAMPLER" 2>/dev/null || true
	wait "$SAMPLER" 2>/dev/null || true
	SAMPLER=""
	local n start mid end max
	n=$(wc -l <"$T/rss.$name")
	start=$(head -n 1 "$T/rss.$name")
	mid=$(sed -n "$(((n + 1) / 2))p" "$T/rss.$name")
	end=$(tail -n 1 "$T/rss.$name")
	max=$(sort -n "$T/rss.$name" | tail -n 1)
	local res
	res=$(grep '^result ' "$T/wrk.$name" || true)
	if [ -z "$res" ]; then
		echo "$name: wrk failed:" >&2
		cat "$T/wrk.$name" >&2
		return 1
	fi
	local reqs
	reqs=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$res")
	printf '%-10s %s\n' "$name" "${res#result }"
	printf '%-10s server_cpu_ms_per_request=%s\n' "" \
		"$(awk -v c=$((c1 - c0)) -v t="$TICK" -v n="$reqs" 'BEGIN {printf "%.2f", n ? c * 1000 / t / n : 0}')"
	printf '%-10s rss_kib start=%s middle=%s end=%s max=%s (%s samples)\n' \
		"" "$start" "$mid" "$end" "$max" "$n"
	printf '%-10s rss_kib every 10 s: %s\n' "" \
		"$(awk 'NR % 10 == 1' "$T/rss.$name" | tr '\n' ' ')"
}

echo "server: $U (pid $PID), RSS at start $(rss) KiB"
for r in ${LOAD_RUNS:-recommend programs malformed}; do
	run "$r" "$T/$r.lua"
done
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$U/api/health")
echo "after the runs: /api/health -> $code; RSS $(rss) KiB"
echo "targets: recommend >= 200 rps, p99 <= 500 ms, 0 errors and 0 non-2xx;"
echo "         malformed: 0 2xx, 0 5xx, 0 socket errors; RSS flat"
[ "$code" = 200 ]
