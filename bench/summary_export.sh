#!/usr/bin/env bash
# Summary and export benchmark on the search benchmark's corpus (run
# bench/search.sh first): 30 % of the comments put into 3,000 campaigns of
# 100, the index rebuilt, then
#   1. the docket's summary and 40 searches' summaries (SearchIndex::summarize),
#      then their distinguishing terms (SearchIndex::distinguishing_terms),
#   2. `rfidesk summary` (the CLI, cold) and the summary API on a running server,
#   3. `rfidesk export comments` of every comment, to a file on tmpfs and on disk.
# Peak memory of each step comes from /usr/bin/time -v.
# Usage: bench/summary_export.sh [COUNT] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
work=${2:-/var/tmp/rfidesk-search-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/rfidesk-target}
cargo build --release --bin rfidesk --example search_bench
bin=$CARGO_TARGET_DIR/release
db=$work/bench-$count.sqlite3
[ -f "$db" ] || { echo "run bench/search.sh $count $work first" >&2; exit 1; }
peak() { grep -E "Maximum resident|Elapsed" "$1" | sed 's/^\s*/    /'; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%F)"
if [ ! -f "$work/campaigns-planted" ]; then
  "$bin/examples/search_bench" plant-campaigns --db "$db" --count "$count"
  touch "$work/campaigns-planted"
  rm -rf "$work/data"
fi
if [ ! -d "$work/data/index/current" ]; then
  echo "== rfidesk reindex (with the campaigns)"
  DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data /usr/bin/time -v "$bin/rfidesk" reindex \
    2> "$work/reindex.time" | tail -n 1
  peak "$work/reindex.time"
  du -sh "$work/data/index/current/" | sed 's/^/    index size: /'
fi

echo "== summaries"
/usr/bin/time -v "$bin/examples/search_bench" summary --index "$work/data/index/current" \
  2> "$work/summary.time"
peak "$work/summary.time"

echo "== rfidesk summary (the CLI: process start, cold caches, both passes, labels, quotes)"
DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data /usr/bin/time -v "$bin/rfidesk" summary \
  --docket ai-exports-rfi --json 2> "$work/cli-summary.time" > /dev/null
peak "$work/cli-summary.time"

echo "== GET /api/v1/dockets/ai-exports-rfi/summary on a running server (background jobs idle)"
# Open for the comments that start new index generations below.
# (Refused when an earlier run already did: the docket stays open.)
DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data "$bin/rfidesk" docket extend ai-exports-rfi --until 2100-01-01 >/dev/null 2>&1 || true
token=$(DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data "$bin/rfidesk" user add "bench-$$" --role staff | tail -n 1)
DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data "$bin/rfidesk" serve --bind 127.0.0.1:18080 \
  > "$work/serve.log" 2>&1 &
server=$!
trap 'kill -9 $server 2>/dev/null || true' EXIT
api() { curl -s -H "Authorization: Bearer $token" "$@"; }
# Up to 10 minutes for the jobs it took back. The followers (`campaigns`,
# `tag_rules`) are always running and `purge` always queued: only the
# others (a rebuild, file text, bulk tags) count as work left.
busy() {
  python3 -c 'import json,sys
counts = json.load(sys.stdin)["counts"]
sys.exit(0 if any(s in ("queued", "running") for k, v in counts.items()
                  if k not in ("campaigns", "tag_rules", "purge") for s in v) else 1)'
}
for _ in $(seq 1 600); do
  jobs=$(api http://127.0.0.1:18080/api/v1/admin/jobs 2>/dev/null || true)
  if [ -n "$jobs" ] && ! busy <<<"$jobs"; then break; fi
  sleep 1
done
# A summary's passes are kept per index generation. "new": the first
# summary after a comment arrives (its commit is a new generation, so both
# passes run); "again": the same summary asked again before the next commit.
total() { api "http://127.0.0.1:18080/api/v1/search?q=*&per_page=1" | grep -o '"total":[0-9]*' | cut -d: -f2; }
arrive() {
  local before; before=$(total)
  curl -s -o /dev/null -H "Content-Type: application/json" \
    -d '{"submitter":{"type":"organization","first_name":"Ada","last_name":"Byron","organization":"Bench Cold Start","organization_type":"company","category":"ai-developer","country":"US","email":"bench@example.com"},"answers":{"regions":"Priority regions for semiconductor exports."},"comment":"A comment that makes a new index generation.","business_confidential":false,"send_receipt":false}' \
    http://127.0.0.1:18080/api/v1/dockets/ai-exports-rfi/comments
  for _ in $(seq 1 300); do [ "$(total)" -gt "$before" ] && return; sleep 0.1; done
}
for q in "" "?q=semiconductor" "?category=academic-research"; do
  for i in 1 2 3 4 5; do
    arrive
    api -o /dev/null -w "    summary$q, new generation: %{http_code} in %{time_total} s\n" \
      http://127.0.0.1:18080/api/v1/dockets/ai-exports-rfi/summary$q
    api -o /dev/null -w "    summary$q, again: %{http_code} in %{time_total} s\n" \
      http://127.0.0.1:18080/api/v1/dockets/ai-exports-rfi/summary$q
  done
done
kill -9 $server; trap - EXIT

for out in /dev/shm/rfidesk-comments.csv "$work/comments.csv"; do
  echo "== rfidesk export comments -> $out"
  DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data /usr/bin/time -v "$bin/rfidesk" export comments \
    --docket ai-exports-rfi --out "$out" 2> "$work/export.time" | tail -n 1
  peak "$work/export.time"
  grep -E "User time|System time" "$work/export.time" | sed 's/^\s*/    /'
  rm -f "$out"
done
