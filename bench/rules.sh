#!/usr/bin/env bash
# Rule-tag benchmark, on the search benchmark's corpus (run bench/search.sh
# first: it loads COUNT comments, each with tags, and builds their index).
#   1. The real server applies 50 saved rules (bench/rules.py posts them)
#      to every comment: seconds from the first POST until every rule is
#      active, then until the index shows every rule's tags.
#   2. What the 50 rules cost per new comment (search_bench rule-cost):
#      each rule's query over batches of 1,000 comment ids, as the job
#      checks the comments a follower commit made searchable.
# Works on copies: the corpus and its index stay as they were.
# Usage: bench/rules.sh [COUNT] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
work=${2:-/var/tmp/rfidesk-search-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/rfidesk-target}
cargo build --release --bin rfidesk --example search_bench
bin=$CARGO_TARGET_DIR/release
db=$work/bench-$count.sqlite3
[ -f "$db" ] && [ -d "$work/data/index/current" ] || { echo "run bench/search.sh $count $work first"; exit 1; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%F)"
echo "== per new comment: 50 rules (in process, the corpus's index)"
"$bin/examples/search_bench" rule-cost --index "$work/data/index/current"

echo "== 50 rules applied by the server to $count comments"
rm -rf "$work/rules"; mkdir -p "$work/rules"
cp "$db" "$work/rules/db.sqlite3"
cp -r "$work/data" "$work/rules/data"
export DATABASE_URL=$work/rules/db.sqlite3 RFIDESK_DATA_DIR=$work/rules/data
token=$("$bin/rfidesk" user add bench-staff --role staff | tail -n 1)
port=18765
RFIDESK_BIND=127.0.0.1:$port RUST_LOG=warn "$bin/rfidesk" serve > "$work/rules/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
"$bin/examples/search_bench" rules > "$work/rules/rules.jsonl"
python3 bench/rules.py "http://127.0.0.1:$port" "$token" "$work/rules/rules.jsonl" "$server" "$DATABASE_URL"
