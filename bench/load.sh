#!/usr/bin/env bash
# Load (issue "Proof under load", 8): a burst of BURST submissions (default
# 100,000) from 256 concurrent clients, while analysts search (the API and
# the page), tag by hand and export the docket as CSV; and the /healthz
# ceiling at 256 clients, in one run. Needs wrk, curl and python3.
# Usage: bench/load.sh [BURST]; DATABASE_URL=postgres://... for PostgreSQL
# (a fresh database: the script does not empty it). RFIDESK_BIN=path runs
# that binary instead of building this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
burst="${1:-100000}"
clients=256
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [ -n "${RFIDESK_BIN:-}" ]; then
  bin="$RFIDESK_BIN"
else
  cargo build --release -q -p rfidesk
  bin="$CARGO_TARGET_DIR/release/rfidesk"
fi
data=$(mktemp -d)
port=18182
stop="$data/stop-analysts"
trap 'touch "$stop"; kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT

export RFIDESK_DATA_DIR="$data" RFIDESK_BIND="127.0.0.1:$port" RFIDESK_RATE_LIMIT=0 \
  RFIDESK_READ_RATE_LIMIT=0 RUST_LOG=warn
"$bin" migrate >/dev/null
"$bin" docket load fixtures/dockets/ai-exports-rfi.toml >/dev/null
"$bin" docket extend ai-exports-rfi --until 2100-01-01 >/dev/null
token=$("$bin" user add bench-staff --role staff | tail -n 1)
"$bin" serve >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for _ in $(seq 1 300); do
  curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/search?q=*" >/dev/null && break; sleep 0.2
done

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r); $(date -u +%FT%TZ)"
if [ -n "${DATABASE_URL:-}" ]; then backend="postgres (same machine)"; else backend="sqlite (WAL, synchronous=FULL)"; fi
echo "== backend: $backend; binary: $bin"
echo "== /healthz ceiling ($clients connections, 20 s)"
wrk -t2 -c$clients -d20s --latency "http://127.0.0.1:$port/healthz" | grep -E "Requests/sec|^ +(50|99)%|Non-2xx|Socket"

# A first 10,000 so that searches, tags and exports have something to work on.
# (wrk's threads stop at their count, but wrk itself waits out -d: the
# burst's rate is therefore taken from the comments' own received times.)
BURST_PER_THREAD=5000 wrk -t2 -c$clients -d20s -s bench/post-burst.lua \
  "http://127.0.0.1:$port/api/v1/dockets/ai-exports-rfi/comments" >/dev/null
python3 bench/analysts.py "http://127.0.0.1:$port" "$token" "$stop" >"$data/analysts.out" 2>&1 &
analysts=$!
sleep 2
echo "== burst: $burst submissions, $clients connections, ~2 KB JSON, analysts working"
burst_start=$(date -u +%s.%N)
BURST_PER_THREAD=$((burst / 2)) wrk -t2 -c$clients -d"${BURST_SECONDS:-90}s" --latency -s bench/post-burst.lua \
  "http://127.0.0.1:$port/api/v1/dockets/ai-exports-rfi/comments" \
  | grep -E "requests in|Requests/sec|^ +(50|75|90|99)%|Non-2xx|Socket"
touch "$stop"
wait "$analysts" || true
cat "$data/analysts.out"
echo "== server peak memory: $(awk '/VmHWM/ {print $2 " " $3}' /proc/$pid/status)"
# The burst's rate: comments received since it began, over the time from
# the first to the last of them (received_at is set as each is taken).
if [ -n "${DATABASE_URL:-}" ]; then
  psql "$DATABASE_URL" -Atc "select extract(epoch from received_at) from comments" >"$data/received"
else
  python3 -c 'import sqlite3,sys,datetime
for (t,) in sqlite3.connect(sys.argv[1]).execute("select received_at from comments"):
    print(datetime.datetime.fromisoformat(t).replace(tzinfo=datetime.timezone.utc).timestamp())' \
    "$data/rfidesk.sqlite3" >"$data/received"
fi
python3 - "$burst_start" "$data/received" <<'PY'
import sys
start = float(sys.argv[1])
times = sorted(t for t in (float(l) for l in open(sys.argv[2]) if l.strip()) if t >= start - 1)
span = times[-1] - times[0]
print("== burst stored: %d comments in %.1f s (first to last received): %.0f durable submissions/s"
      % (len(times), span, len(times) / span))
PY
count=$(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/dockets/ai-exports-rfi/summary" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["comments"])' 2>/dev/null || echo "?")
echo "== comments in the index's summary at the end: $count (10,000 first, then the burst)"
kill -TERM "$pid"; wait "$pid" || true
