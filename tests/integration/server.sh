#!/bin/bash
# tests/integration/server.sh — starts the real `smartpick serve` on
# 127.0.0.1 (a free port, a temporary catalog, a temporary page) and
# drives every endpoint with curl: the JSON API, static files, malformed
# JSON, wrong content types, oversized bodies, deep JSON, long URLs,
# path traversal, HEAD/OPTIONS/PUT, garbage request lines, a client that
# sends half a request and vanishes, slow clients, many idle
# connections; after each hostile round the server must still answer
# /api/health.  Ends with SIGTERM (clean exit 0).  The server is killed
# on any exit of this script (trap).  Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	exec 3>&- 4>&- 5>&- 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}

# curl with a deadline; prints the status code, body to $T/body, headers
# to $T/hdr.
req() {
	curl -s --max-time 20 -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@"
}
has() { grep -q -- "$1" "$T/body"; }
hdr() { tr -d '\r' <"$T/hdr" | grep -qi -- "^$1"; }
alive() { [ "$(req "$U/api/health")" = 200 ] && has '"status":"ok"'; }

# --- command line -------------------------------------------------------
"$SP" serve --help >"$T/out" 2>&1
check "serve --help exits 0" test $? -eq 0
check "serve --help shows usage" grep -q "usage: smartpick serve" "$T/out"
"$SP" serve --port 70000 >/dev/null 2>&1
check "serve bad --port exits 2" test $? -eq 2
"$SP" serve --bogus >/dev/null 2>&1
check "serve unknown option exits 2" test $? -eq 2
"$SP" serve --port 0 --db "$T/missing.db" >/dev/null 2>"$T/err"
rc=$?
check "serve without a catalog fails" test $rc -ne 0
check "serve without a catalog says so" grep -q "missing.db" "$T/err"

# --- a catalog, a page, the server --------------------------------------
"$SP" catalog init --db "$T/cat.db" -q >/dev/null 2>&1
# Few seasons for the advisor's statistics: this tests plumbing, not
# estimates.  (Without them the server computes 16 at start.)
"$SP" catalog stats --db "$T/cat.db" --trials 2 -q >/dev/null 2>&1
mkdir -p "$T/web/sub"
printf '<!doctype html><title>SmartPick test page</title>\n' >"$T/web/index.html"
printf 'console.log("app");\n' >"$T/web/app.js"
printf 'p{}\n' >"$T/web/sub/style.css"
printf 'secret\n' >"$T/web/.env.js"
printf 'outside\n' >"$T/outside.txt"
ln -s "$T/outside.txt" "$T/web/leak.txt"
ln -s /etc "$T/web/etc"

"$SP" serve --port 0 --db "$T/cat.db" --web "$T/web" --timeout 2 \
	>"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 600); do
	grep -q "serving on" "$T/out" 2>/dev/null && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
PORT=$(sed -n 's|^SmartPick serving on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$T/out")
check "serve prints its URL with the real port" test -n "$PORT"
if [ -z "$PORT" ]; then
	cat "$T/err"
	exit 1
fi
U="http://127.0.0.1:$PORT"

# --- the API ------------------------------------------------------------
check "health is 200" test "$(req "$U/api/health")" = 200
check "health says ok" has '"status":"ok"'
check "health counts 6626 programs" has '"programs":6626'
check "health says the catalog is real" has '"synthetic":false'
check "health has the advisor" has '"advisor":true'
check "header: content security policy" \
	hdr "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
check "header: nosniff" hdr "X-Content-Type-Options: nosniff"
check "header: no referrer" hdr "Referrer-Policy: no-referrer"
check "header: frames denied" hdr "X-Frame-Options: DENY"
check "header: API not cached" hdr "Cache-Control: no-store"
check "header: JSON type" hdr "Content-Type: application/json"

check "specialties is 200" test "$(req "$U/api/specialties")" = 200
check "specialties lists IM" has '"code":"IM"'
check "specialties gives signals" has '"signals_gold":'

check "programs is 200" test "$(req "$U/api/programs?specialty=IM&state=OH&limit=5")" = 200
check "programs pages" has '"limit":5'
check "programs filter by state" has '"state":"OH"'
check "programs total" has '"total":'
# The real catalog: a program found by name and state, with its city, the
# fields that are estimated and its own measured interview rates.
check "programs found by name and state" test "$(req "$U/api/programs?specialty=IM&state=OH&q=Cleveland%20Clinic%20Foundation%20Program")" = 200
check "programs give city, estimated fields and measured rates" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = next(p for p in d["programs"] if p["name"] == "Cleveland Clinic Foundation Program")
assert p["city"] == "Cleveland" and p["synthetic"] is False
assert "step2_median" in p["estimated"] and "name" not in p["estimated"]
m = p["measured_rates"]
assert m["cycle"] == 2024 and all(0 <= m[k] <= 1 for k in m if k != "cycle")
' "$T/body"
check "programs filter by all" test "$(req "$U/api/programs?specialty=IM&state=OH&region=3&setting=university&visa=1&q=synthetic&offset=0&limit=50")" = 200
check "programs bad limit is 400" test "$(req "$U/api/programs?limit=201")" = 400
check "programs bad limit names the field" has '"field":"limit"'
check "programs unknown parameter is 400" test "$(req "$U/api/programs?evil=1")" = 400
check "program by id is 200" test "$(req "$U/api/programs/1")" = 200
check "program by id has its code" has '"code":"'
check "unknown program is 404" test "$(req "$U/api/programs/99999999")" = 404
check "unknown endpoint is 404" test "$(req "$U/api/nothing")" = 404
check "404 is a JSON error" has '"error":{"status":404'

J='Content-Type: application/json'
check "recommend is 200" \
	test "$(req -X POST -H "$J" --data-binary @"$ROOT/examples/profile.json" "$U/api/recommend")" = 200
check "recommend gives P(match)" has '"p_match":'
check "recommend gives the list" has '"programs":\['
check "recommend gives the curve" has '"curve":'
printf '{"applicant_type":"us_md","step2":999,"research":1,"home_state":"OH","needs_visa":false,"specialty":"Internal Medicine"}' >"$T/bad.json"
code=$(req -X POST -H "$J" --data-binary @"$T/bad.json" "$U/api/recommend")
check "recommend bad score is 4xx" test "${code:0:1}" = 4
check "recommend bad score names step2" has '"field":"step2"'
check "recommend malformed JSON is 400" \
	test "$(req -X POST -H "$J" --data-binary '{"step2": 2' "$U/api/recommend")" = 400
check "recommend malformed JSON has line and column" has 'profile:1:'
check "recommend without JSON type is 415" \
	test "$(req -X POST -H 'Content-Type: text/plain' --data-binary @"$ROOT/examples/profile.json" "$U/api/recommend")" = 415
check "recommend as a form is 415" \
	test "$(req -X POST --data 'a=1' "$U/api/recommend")" = 415
check "recommend empty body is 400" \
	test "$(req -X POST -H "$J" --data-binary '' "$U/api/recommend")" = 400
check "recommend by GET is 405" test "$(req "$U/api/recommend")" = 405
check "405 says what is allowed" hdr "Allow: POST, OPTIONS"
check "chances is 200" \
	test "$(req -X POST -H "$J" --data-binary @"$ROOT/examples/profile.json" "$U/api/chances")" = 200
check "chances gives tiered IM figures" has '"p_interview_gold":'
check "chances for a single-tier specialty" \
	test "$(req -X POST -H "$J" --data-binary @"$ROOT/examples/profile.json" "$U/api/chances?specialty=FM")" = 200
check "chances single-tier says so" has '"tiered":false'
check "chances single-tier gives p_interview_signal" has '"p_interview_signal":'
check "chances unknown specialty is 422" \
	test "$(req -X POST -H "$J" --data-binary @"$ROOT/examples/profile.json" "$U/api/chances?specialty=NOPE")" = 422
check "chances unknown parameter is 400" \
	test "$(req -X POST -H "$J" --data-binary @"$ROOT/examples/profile.json" "$U/api/chances?x=1")" = 400

check "portfolio is 200" \
	test "$(req -X POST -H "$J" --data-binary '{"options":[{"id":"a","p":0.39,"value":200,"cost":3},{"id":"b","p":0.5,"value":100,"cost":2}],"count":1}' "$U/api/portfolio")" = 200
check "portfolio chooses" has '"chosen":\["'
check "portfolio curve is 200" \
	test "$(req -X POST -H "$J" --data-binary '{"options":[{"id":"a","p":0.39,"value":200,"cost":3},{"id":"b","p":0.5,"value":100,"cost":2}],"count":2}' "$U/api/portfolio?curve=1")" = 200
check "portfolio curve has points" has '"curve":\['
check "portfolio bad p is 4xx" \
	test "$(req -X POST -H "$J" --data-binary '{"options":[{"id":"a","p":3,"value":1}],"count":1}' "$U/api/portfolio" | cut -c1)" = 4

# --- methods --------------------------------------------------------------
check "HEAD is 200" test "$(req -I "$U/api/health")" = 200
# (curl -I writes the headers where the body would go.)
check "HEAD has no body" bash -c "! grep -q '\"status\"' '$T/body'"
check "HEAD gives the length" hdr "Content-Length: "
check "OPTIONS is 204" test "$(req -X OPTIONS "$U/api/programs")" = 204
check "OPTIONS says what is allowed" hdr "Allow: GET, HEAD, OPTIONS"
check "OPTIONS grants no other origin" bash -c "! tr -d '\r' <'$T/hdr' | grep -qi '^Access-Control-Allow-Origin'"
check "PUT is 405" test "$(req -X PUT --data-binary 'x' "$U/api/health")" = 405
check "DELETE is 405" test "$(req -X DELETE "$U/index.html")" = 405
check "wrong Host is 421" test "$(req -H 'Host: attacker.example' "$U/api/health")" = 421
check "localhost Host is fine" test "$(req -H "Host: localhost:$PORT" "$U/api/health")" = 200

# --- static files and traversal -------------------------------------------
check "/ is the page" test "$(req "$U/")" = 200
check "/ is HTML" hdr "Content-Type: text/html"
check "/ has the page's text" has "SmartPick test page"
check "page carries the CSP" hdr "Content-Security-Policy: default-src 'self'"
check "script is served" test "$(req "$U/app.js")" = 200
check "script type" hdr "Content-Type: text/javascript"
check "subdirectory file is served" test "$(req "$U/sub/style.css")" = 200
check "missing file is 404" test "$(req "$U/nope.js")" = 404
check "../ traversal is refused" test "$(req --path-as-is "$U/../../../../etc/passwd")" != 200
check "../ traversal leaks nothing" bash -c "! grep -q root: '$T/body'"
check "sub/../.. traversal is 404" test "$(req --path-as-is "$U/sub/../../outside.txt")" = 404
check "encoded .. is 404" test "$(req --path-as-is "$U/%2e%2e/%2e%2e/etc/passwd")" = 404
check "encoded slash is 400" test "$(req --path-as-is "$U/..%2f..%2fetc%2fpasswd")" = 400
check "backslash is 400" test "$(req --path-as-is "$U/..%5c..%5cetc%5cpasswd")" = 400
check "NUL is 400" test "$(req --path-as-is "$U/index.html%00.js")" = 400
check "dotfile is 404" test "$(req "$U/.env.js")" = 404
check "symlink out of the root is 404" test "$(req "$U/leak.txt")" = 404
check "symlinked directory out of the root is 404" test "$(req "$U/etc/passwd")" = 404
check "unlisted extension is 404" test "$(req "$U/index")" = 404
check "server alive after traversal" alive

# --- limits -----------------------------------------------------------------
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big.json"
check "body over 64 KiB is 413" \
	test "$(req -X POST -H "$J" --data-binary @"$T/big.json" "$U/api/recommend")" = 413
check "413 is a JSON error" has '"status":413'
check "chunked body over 64 KiB is 413" \
	test "$(req -X POST -H "$J" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.json" "$U/api/recommend")" = 413
head -c 2000000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
check "portfolio body over 1 MiB is 413" \
	test "$(req -X POST -H "$J" --data-binary @"$T/huge.json" "$U/api/portfolio")" = 413
python3 -c "print('{\"a\":' * 5000 + '1' + '}' * 5000)" >"$T/deep.json"
code=$(req -X POST -H "$J" --data-binary @"$T/deep.json" "$U/api/recommend")
check "deep JSON is refused with 4xx" test "${code:0:1}" = 4
check "deep JSON is explained" has "nesting"
long=$(head -c 5000 /dev/zero | tr '\0' 'a')
check "long URL is 414" test "$(req "$U/api/programs?q=$long")" = 414
verylong=$(head -c 40000 /dev/zero | tr '\0' 'a')
code=$(req "$U/api/programs?q=$verylong")
check "very long URL is 4xx" test "${code:0:1}" = 4
bigheader=$(head -c 40000 /dev/zero | tr '\0' 'b')
code=$(req -H "X-Big: $bigheader" "$U/api/health")
check "huge header is 4xx" test "${code:0:1}" = 4
check "server alive after limits" alive

# --- hostile clients ----------------------------------------------------------
# Garbage request lines.
for junk in 'GARBAGE\r\n\r\n' 'GET\r\n\r\n' 'GET / HTTP/9.9\r\n\r\n' \
	'\x00\x01\x02\xff\r\n\r\n' 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n'; do
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf "$junk" >&3
	timeout 5 cat <&3 >/dev/null 2>&1
	exec 3>&-
done
check "server alive after garbage requests" alive

# Half a request, then the client vanishes.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST /api/recommend HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"applicant_type":' "$PORT" >&3
exec 3>&-
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /api/spec' >&3
exec 3>&-
check "server alive after clients vanish" alive

# A slow but steady client is answered.
(
	exec 4<>"/dev/tcp/127.0.0.1/$PORT"
	for part in 'GET /api/he' 'alth HTTP/1.1\r\n' "Host: 127.0.0.1:$PORT\r\n" \
		'Connection: close\r\n' '\r\n'; do
		printf "$part" >&4
		sleep 0.4
	done
	timeout 5 cat <&4
) >"$T/slow" 2>/dev/null
check "slow client is answered" grep -q '"status":"ok"' "$T/slow"

# A client that stalls is cut off after the idle timeout (2 s here).
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n' "$PORT" >&5
timeout 10 cat <&5 >/dev/null 2>&1
rc=$?
exec 5>&-
check "stalled client is disconnected by the server" test $rc -eq 0
check "server alive after a stalled client" alive

# Many idle connections do not starve others.
fds=()
for _ in $(seq 40); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /api/hea' >&$fd
	fds+=("$fd")
done
check "server answers beside 40 idle connections" alive
for fd in "${fds[@]}"; do exec {fd}>&-; done

# Concurrent recommendations all succeed.
pids=()
for _ in $(seq 16); do
	curl -s --max-time 60 -o /dev/null -w '%{http_code}\n' -X POST -H "$J" \
		--data-binary @"$ROOT/examples/profile.json" "$U/api/recommend" \
		>>"$T/codes" &
	pids+=($!)
done
wait "${pids[@]}"
check "16 concurrent recommendations are 200" \
	test "$(grep -c '^200$' "$T/codes")" -eq 16

check "stderr holds nothing a client sent" \
	bash -c "! grep -Eq 'applicant_type|attacker|GARBAGE|bbbbbbbb' '$T/err'"

# --- clean shutdown -----------------------------------------------------------
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=""
check "SIGTERM stops the server with exit 0" test $rc -eq 0
check "the port is closed after shutdown" \
	bash -c "! curl -s --max-time 2 -o /dev/null '$U/api/health'"
