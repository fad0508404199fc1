#!/usr/bin/env bash
# Summary and export benchmark on the search benchmark's corpus (run
# bench/search.sh first): 30 % of the comments put into 3,000 campaigns of
# 100, the index rebuilt, then
#   1. the docket's summary and 40 searches' summaries (SearchIndex::summarize),
#      then their distinguishing terms (SearchIndex::distinguishing_terms),
#   2. `rfidesk summary` (the CLI, cold) and the summary API on a running server
#      (bench/summary_server.sh),
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

bench/summary_server.sh "$bin" "$count" "$work"

for out in /dev/shm/rfidesk-comments.csv "$work/comments.csv"; do
  echo "== rfidesk export comments -> $out"
  DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data /usr/bin/time -v "$bin/rfidesk" export comments \
    --docket ai-exports-rfi --out "$out" 2> "$work/export.time" | tail -n 1
  peak "$work/export.time"
  grep -E "User time|System time" "$work/export.time" | sed 's/^\s*/    /'
  rm -f "$out"
done
