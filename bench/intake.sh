#!/usr/bin/env bash
# Intake benchmark: durable submissions/s and latency with 64 concurrent
# clients posting ~2 KB JSON comments, and the /healthz ceiling, in one run.
# Usage: bench/intake.sh [seconds per phase, default 20]. Needs wrk.
# RFIDESK_BIN=path runs that binary instead of building this checkout (to
# compare commits in one session: see docs/BENCHMARKS.md). RULES=file.jsonl
# saves those rules first (one JSON object a line, as `search_bench rules`
# prints), so every comment is checked against them as it is indexed.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [ -n "${RFIDESK_BIN:-}" ]; then
  bin="$RFIDESK_BIN"
else
  cargo build --release -q
  bin="$CARGO_TARGET_DIR/release/rfidesk"
fi
data=$(mktemp -d)
port=18181
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT

export RFIDESK_DATA_DIR="$data" RFIDESK_BIND="127.0.0.1:$port" RFIDESK_RATE_LIMIT=0 RUST_LOG=warn
"$bin" migrate >/dev/null
"$bin" docket load fixtures/dockets/ai-exports-rfi.toml >/dev/null
# Keep the fixture docket open whatever today's date is.
"$bin" docket extend ai-exports-rfi --until 2100-01-01 >/dev/null
"$bin" serve >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
if [ -n "${RULES:-}" ]; then
  token=$("$bin" user add bench-rules --role analyst | tail -n 1)
  for _ in $(seq 1 100); do
    curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/search?q=*" >/dev/null && break; sleep 0.1
  done
  while read -r rule; do
    curl -fs -o /dev/null -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
      -d "$rule" "http://127.0.0.1:$port/api/v1/dockets/ai-exports-rfi/rules"
  done < "$RULES"
  echo "== rules saved: $(wc -l < "$RULES")"
fi

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r); $(date -u +%FT%TZ)"
if [ -n "${DATABASE_URL:-}" ]; then backend="postgres (same machine)"; else backend="sqlite (WAL, synchronous=FULL)"; fi
echo "== backend: $backend"
echo "== /healthz ceiling (64 connections, ${duration}s)"
wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port/healthz" | grep -E "Requests/sec|^ +(50|99)%|Non-2xx"
echo "== durable submissions (64 connections, ~2 KB JSON, ${duration}s)"
wrk -t2 -c64 -d"${duration}s" --latency -s bench/post-comment.lua \
  "http://127.0.0.1:$port/api/v1/dockets/ai-exports-rfi/comments" | grep -E "requests in|Requests/sec|^ +(50|90|99)%|Non-2xx|Socket"
echo "== server peak memory: $(awk '/VmHWM/ {print $2 " " $3}' /proc/$pid/status)"
if [ -z "${DATABASE_URL:-}" ]; then
  # Receipts queue durably under load and are delivered after it; time the
  # drain (receipts beyond the in-memory hand-off wait for their 2-minute lease).
  python3 - "$data/rfidesk.sqlite3" <<'PY2'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
q = lambda sql: db.execute(sql).fetchone()[0]
# Receipts are `receipt` jobs (done: sent); before that commit, rows of
# a `receipts` table (status sent).
if q("select count(*) from sqlite_master where name = 'receipts'"):
    sent, total = "select count(*) from receipts where status = 'sent'", "select count(*) from receipts"
else:
    sent = "select count(*) from jobs where kind = 'receipt' and status = 'done'"
    total = "select count(*) from jobs where kind = 'receipt'"
left = lambda: q(total) - q(sent)
print("== comments stored:", q("select count(*) from comments"),
      "| change-feed rows:", q("select count(*) from change_feed"),
      "| receipts sent by the end of the load:", q(sent), "of", q(total))
# With rules saved: every comment of the load checked against every rule
# (each rule's checked_seq past the feed's head at the end of the load).
rules = q("select count(*) from sqlite_master where name = 'tag_rules'") and \
    q("select count(*) from tag_rules where status != 'deleted'")
head = q("select coalesce(max(seq), 0) from change_feed")
unchecked = lambda: rules and q(
    "select count(*) from tag_rules where status = 'active' and checked_seq < %d" % head)
start = time.time()
rules_done = None if unchecked() else 0.0
while (left() or rules_done is None) and time.time() - start < 400:
    time.sleep(0.5)
    if rules_done is None and not unchecked():
        rules_done = time.time() - start
print("== receipt backlog delivered %.0f s after the load (%d left)" % (time.time() - start, left()))
if rules:
    print("== rules: every comment of the load checked %s" % (
        "%.1f s after the load" % rules_done if rules_done is not None else "not within 400 s"))
PY2
fi
kill -TERM "$pid"; wait "$pid" || true
