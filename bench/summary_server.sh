#!/usr/bin/env bash
# The summary API on a running `rfidesk serve` over the planted corpus of
# bench/summary_export.sh (its step 3), alone, so that two builds can be
# run one after the other on the same corpus: after the server's background
# jobs are idle, the docket's summary once (the first after a start), then
# the docket's, a search's and a category's summaries five times each right
# after a comment arrives and is indexed ("new generation") and asked again
# ("again"). Each part's duration goes to $WORKDIR/serve.log at debug level.
# Usage: bench/summary_server.sh BINDIR [COUNT] [WORKDIR]
set -euo pipefail
bin=$1
count=${2:-1000000}
work=${3:-/var/tmp/rfidesk-search-bench}
db=$work/bench-$count.sqlite3
echo "== GET /api/v1/dockets/ai-exports-rfi/summary on a running server (background jobs idle)"
# Open for the comments that start new index generations below.
# (Refused when an earlier run already did: the docket stays open.)
DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data "$bin/rfidesk" docket extend ai-exports-rfi --until 2100-01-01 >/dev/null 2>&1 || true
token=$(DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data "$bin/rfidesk" user add "bench-$$" --role staff | tail -n 1)
DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data RUST_LOG=info,rfidesk::analysis::summary=debug \
  "$bin/rfidesk" serve --bind 127.0.0.1:18080 > "$work/serve.log" 2>&1 &
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
  index=$(api http://127.0.0.1:18080/api/v1/admin/index 2>/dev/null || true)
  if [ -n "$jobs" ] && ! busy <<<"$jobs" && grep -q '"following"' <<<"$index"; then break; fi
  sleep 1
done
api -o /dev/null -w "    summary, the first after the start: %{http_code} in %{time_total} s\n" \
  http://127.0.0.1:18080/api/v1/dockets/ai-exports-rfi/summary
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
grep -E "VmHWM|VmRSS|RssAnon|RssFile" /proc/$server/status | sed 's/^/    server /'
kill -9 $server; trap - EXIT
wait $server 2>/dev/null || true
