#!/bin/bash
# tests/integration/slow_clients.sh — hostile clients against the real
# `smartpick serve` on loopback, with a lowered deadline so that it runs
# in seconds:
#   - 600 clients trickling one header byte every 2-3 s (reconnecting when
#     cut off), from four loopback addresses, while four health probes
#     from 127.0.0.1 each get an answer within 3 s; the tricklers past
#     the per-client cap are refused with 503, Retry-After and the
#     security headers; no trickler outlives the header deadline by more
#     than a second;
#   - past --max-connections a new connection is answered 503 at once
#     (not queued), and the server answers again once others close;
#   - a raw space in the request target gets a 400, not silence;
#   - a 2,500-option portfolio curve answers in under 2 MB.
# Loopback only, every loop bounded.  Prints "ok NAME" / "not ok NAME".
set -u
SP=${SMARTPICK:-build/smartpick}
mkdir -p build
T=$(mktemp -d build/it-slow.XXXXXX)
# The servers' ids go to a file: start() runs in $(...), a subshell.
cleanup() {
	for p in $(cat "$T/pids" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}

"$SP" catalog init --db "$T/cat.db" -q >/dev/null 2>&1
"$SP" catalog stats --db "$T/cat.db" --trials 2 -q >/dev/null 2>&1
mkdir -p "$T/web"
printf '<!doctype html><title>t</title>\n' >"$T/web/index.html"

start() { # OUTFILE ARGS...: starts a server, prints its port
	local out=$1
	shift
	"$SP" serve --port 0 --db "$T/cat.db" --web "$T/web" "$@" >"$out" 2>&1 &
	echo $! >>"$T/pids"
	for _ in $(seq 100); do
		grep -q "serving on" "$out" 2>/dev/null && break
		sleep 0.1
	done
	sed -n 's/.*:\([0-9]*\)\/$/\1/p' "$out" | head -1
}

# --- 600 trickling clients ---------------------------------------------
PORT=$(start "$T/s1.out" --threads 2 --header-timeout 2 --max-per-client 64)
python3 - "$PORT" >"$T/trickle" 2>&1 <<'PY'
import asyncio, random, sys, time
port = int(sys.argv[1])
rng = random.Random(16)
RUN = 9.0          # seconds the tricklers keep at it
stats = {"refused": 0, "refusal_ok": 0, "accepted": 0, "longest": 0.0}

async def trickler(src):
    t_end = time.monotonic() + RUN
    while time.monotonic() < t_end:
        try:
            r, w = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            await asyncio.sleep(0.5)
            continue
        opened = time.monotonic()
        msg = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % port
        i = 0
        try:
            while time.monotonic() < t_end:
                w.write(msg[i % len(msg):i % len(msg) + 1])
                i += 1
                await w.drain()
                try:
                    data = await asyncio.wait_for(
                        r.read(4096), rng.uniform(2.0, 3.0))
                except asyncio.TimeoutError:
                    continue
                if data.startswith(b"HTTP/1.1 503"):
                    stats["refused"] += 1
                    rest = data + await asyncio.wait_for(r.read(), 3)
                    if (b"Retry-After: 1" in rest and
                            b"X-Content-Type-Options: nosniff" in rest):
                        stats["refusal_ok"] += 1
                    break
                if not data:  # cut off at the deadline
                    stats["accepted"] += 1
                    stats["longest"] = max(stats["longest"],
                                           time.monotonic() - opened)
                    break
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            w.close()
        await asyncio.sleep(rng.uniform(0.0, 0.5))

async def probe(at):
    await asyncio.sleep(at)
    t0 = time.monotonic()
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), 3)
        w.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                b"Connection: close\r\n\r\n" % port)
        data = await asyncio.wait_for(r.read(), 3 - (time.monotonic() - t0))
        w.close()
        ok = data.startswith(b"HTTP/1.1 200")
    except (OSError, asyncio.TimeoutError):
        ok = False
    return ok, time.monotonic() - t0

async def main():
    srcs = ["127.0.0.%d" % (2 + k % 4) for k in range(600)]
    tasks = [asyncio.create_task(trickler(s)) for s in srcs]
    probes = [asyncio.create_task(probe(at)) for at in (1.5, 3.5, 5.5, 7.5)]
    res = await asyncio.gather(*probes)
    await asyncio.gather(*tasks)
    answered = sum(1 for ok, dt in res if ok and dt <= 3)
    print("probes_answered", answered)
    print("probe_seconds", " ".join("%.2f" % dt for ok, dt in res))
    for k, v in stats.items():
        print(k, v)

import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
asyncio.run(main())
PY
sed 's/^/# /' "$T/trickle"
val() { sed -n "s/^$1 //p" "$T/trickle"; }
check "600 tricklers: at least 3 of 4 probes answered within 3 s" \
	test "$(val probes_answered)" -ge 3 2>/dev/null
check "tricklers past the per-client cap are refused with 503" \
	test "$(val refused)" -gt 0 2>/dev/null
check "every refusal carries Retry-After and the security headers" \
	test "$(val refused)" = "$(val refusal_ok)"
check "tricklers are cut off at the header deadline" \
	test "$(val accepted)" -gt 0 2>/dev/null
check "no trickler outlives the deadline (2 s) by more than 1 s" \
	python3 -c "import sys; sys.exit(not float('$(val longest)') <= 3.0)"

# --- past --max-connections: 503 at once -------------------------------
PORT2=$(start "$T/s2.out" --threads 2 --max-connections 8 --max-per-client 100)
python3 - "$PORT2" >"$T/limit" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = []
for k in range(8):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    held.append(s)
time.sleep(0.3)
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port)
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
print("ninth", data.split(b"\r\n")[0].decode(), "%.2f" % (time.monotonic() - t0))
print("retry_after", int(b"Retry-After: 1" in data))
for h in held:
    h.close()
time.sleep(0.5)
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
data = s.recv(4096)
print("after", data.split(b"\r\n")[0].decode())
PY
sed 's/^/# /' "$T/limit"
check "past --max-connections: 503 at once" \
	grep -q "^ninth HTTP/1.1 503 Service Unavailable 0\.[0-9]*$" "$T/limit"
check "the 503 says Retry-After: 1" grep -q "^retry_after 1" "$T/limit"
check "answered again once connections close" \
	grep -q "^after HTTP/1.1 200" "$T/limit"

# --- a raw space in the request target --------------------------------
python3 - "$PORT2" >"$T/space" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b"GET /api/health x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
print(data.split(b"\r\n")[0].decode())
print("csp", int(b"Content-Security-Policy:" in data))
PY
check "a raw space in the target is answered 400" \
	grep -q "^HTTP/1.1 400" "$T/space"
check "with the security headers" grep -q "^csp 1" "$T/space"

# --- a 2,500-option curve stays small -----------------------------------
python3 - >"$T/big.json" <<'PY'
import json, random
rng = random.Random(5)
opts = [{"id": "program-%04d-%s" % (k, "x" * rng.randrange(40)),
         "p": round(rng.uniform(0.01, 0.9), 4),
         "value": round(rng.uniform(1, 100), 3)} for k in range(2500)]
print(json.dumps({"options": opts, "count": 2500}))
PY
code=$(curl -s --max-time 60 -o "$T/curve" -w '%{http_code}' \
	-H 'Content-Type: application/json' --data-binary @"$T/big.json" \
	"http://127.0.0.1:$PORT2/api/portfolio?curve=1")
size=$(stat -c %s "$T/curve")
echo "# request $(stat -c %s "$T/big.json") bytes, curve answer $size bytes"
check "a 2,500-option curve is answered 200" test "$code" = 200
check "in under 2 MB" test "$size" -lt 2000000
check "with one entry per count" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["curve"]
ids = [e["added"] for e in c]
sys.exit(not (len(c) == 2500 and len(set(ids)) == 2500 and
              [e["count"] for e in c] == list(range(1, 2501))))' "$T/curve"
