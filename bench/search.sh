#!/usr/bin/env bash
# Search benchmark: a generated corpus of COUNT comments (default 1,000,000,
# about 2 KB each), then
#   1. `rfidesk reindex` from the database (the full rebuild: read + index),
#   2. the indexer alone on the same documents (indexing throughput),
#   3. 240 fixed queries against tantivy and SQLite FTS5 (bm25), same run.
# Peak memory of each step comes from /usr/bin/time -v.
# Usage: bench/search.sh [COUNT] [WORKDIR]   (WORKDIR needs ~10 GB for 1M)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
work=${2:-/var/tmp/rfidesk-search-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/rfidesk-target}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release --bin rfidesk --example search_bench
bin=$CARGO_TARGET_DIR/release
mkdir -p "$work"
db=$work/bench-$count.sqlite3

peak() { grep -E "Maximum resident|Elapsed" "$1" | sed 's/^\s*/    /'; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%F)"
if [ ! -f "$db" ]; then
  echo "== load $count comments (+ FTS5 table)"
  /usr/bin/time -v "$bin/examples/search_bench" load --db "$db" --count "$count" 2> "$work/load.txt"
  grep -E "loaded $count|FTS5" "$work/load.txt"; peak "$work/load.txt"
fi

echo "== rfidesk reindex (database -> new index generation)"
rm -rf "$work/data"
DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data /usr/bin/time -v "$bin/rfidesk" reindex \
  > "$work/reindex.txt" 2> "$work/reindex.time"
tail -n 1 "$work/reindex.txt"; peak "$work/reindex.time"
du -sh "$work/data/index/current/" | sed 's/^/    index size: /'

echo "== indexer alone (generated documents in memory, 2 threads)"
rm -rf "$work/alone"
/usr/bin/time -v "$bin/examples/search_bench" index --count "$count" --dir "$work/alone" \
  > "$work/index.txt" 2> "$work/index.time"
cat "$work/index.txt"; peak "$work/index.time"
rm -rf "$work/alone"

echo "== queries (warm caches: one untimed round first)"
/usr/bin/time -v "$bin/examples/search_bench" query --db "$db" --index "$work/data/index/current" \
  > "$work/query.txt" 2> "$work/query.time"
cat "$work/query.txt"; peak "$work/query.time"
