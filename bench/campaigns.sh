#!/usr/bin/env bash
# Campaign detection benchmark, every number in docs/BENCHMARKS.md "Campaigns":
#   1. the evaluation at the default settings (20,000 comments, with and
#      without boilerplate): pairwise precision, recall, F1;
#   2. side by side on one corpus of PEER comments (default 100,000), with and
#      without boilerplate: RFI Desk's detection and Python's datasketch
#      MinHashLSH (plain, and with the same Jaccard check), same threshold and
#      number of hash functions;
#   3. RFI Desk's detection over 1,000,000 comments, peak memory;
#   4. with a 1,000,000-comment database (bench/search.sh builds one), the
#      server's rebuild (`rfidesk campaigns rebuild`) and assignment of one
#      comment at a time against it.
# Usage: bench/campaigns.sh [PEER] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${1:-100000}
work=${2:-/var/tmp/rfidesk-search-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/rfidesk-target}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
python3 -c "import datasketch" 2>/dev/null || pip install -q datasketch
cargo build --release -p rfidesk-indexer --example campaigns_eval
cargo build --release --bin rfidesk --example campaign_assign_bench
eval=$CARGO_TARGET_DIR/release/examples/campaigns_eval
mkdir -p "$work"
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%F)"

echo "== 1. evaluation, 20,000 comments"
"$eval" --size 20000 | grep -v '^  '

echo "== 2. side by side, $peer comments"
for b in off on; do
  "$eval" --size "$peer" --boilerplate "$b" --corpus-out "$work/campaigns-$b.jsonl" | grep -E "==|detection|found"
  python3 bench/campaigns_datasketch.py "$work/campaigns-$b.jsonl"
  python3 bench/campaigns_datasketch.py "$work/campaigns-$b.jsonl" --verify
done

echo "== 3. detection over 1,000,000 comments"
/usr/bin/time -v "$eval" --size 1000000 --boilerplate on 2> "$work/campaigns-1m.time" | grep -E "==|detection|found|incremental"
grep -E "Maximum resident|Elapsed" "$work/campaigns-1m.time"

db=$work/bench-1000000.sqlite3
if [ -f "$db" ]; then
  echo "== 4. the server's rebuild and assignment, 1,000,000 comments in SQLite"
  DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data /usr/bin/time -v "$CARGO_TARGET_DIR/release/rfidesk" \
    campaigns rebuild --docket ai-exports-rfi 2> "$work/rebuild.time" | tail -n 1
  grep -E "Maximum resident|Elapsed" "$work/rebuild.time"
  "$CARGO_TARGET_DIR/release/examples/campaign_assign_bench" --database-url "$db" --count 2000
fi
