#!/usr/bin/env bash
# The server's heap under summaries, on the planted corpus of
# bench/summary_export.sh: `rfidesk serve` started, its anonymous resident
# memory (RssAnon: heap, not the mapped index files) read once the index is
# open and the docket's summary made, then after each of 15 summaries of
# different searches (each runs both passes and keeps what it may keep).
# Usage: bench/summary_memory.sh BINDIR [COUNT] [WORKDIR]
set -euo pipefail
bin=$1
count=${2:-1000000}
work=${3:-/var/tmp/rfidesk-search-bench}
db=$work/bench-$count.sqlite3
port=18082
token=$(DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data "$bin/rfidesk" user add "mem-$$" --role staff 2>/dev/null | tail -n 1)
DATABASE_URL=$db RFIDESK_DATA_DIR=$work/data "$bin/rfidesk" serve --bind 127.0.0.1:$port \
  > "$work/serve-memory.log" 2>&1 &
server=$!
trap 'kill -9 $server 2>/dev/null || true' EXIT
api() { curl -s -H "Authorization: Bearer $token" "$@"; }
anon() { awk '/RssAnon/ {printf "%d MB", $2 / 1024}' /proc/$server/status; }
for _ in $(seq 1 600); do
  api http://127.0.0.1:$port/api/v1/admin/index 2>/dev/null | grep -q '"following"' && break
  sleep 0.5
done
echo "    index open: $(anon)"
api -o /dev/null -w "    docket summary: %{http_code} in %{time_total} s, " \
  http://127.0.0.1:$port/api/v1/dockets/ai-exports-rfi/summary
echo "$(anon)"
for q in export chips cloud standards africa asia energy financing models data minerals \
  security privacy talent trade; do
  api -o /dev/null -w "    ?q=$q: %{http_code} in %{time_total} s, " \
    "http://127.0.0.1:$port/api/v1/dockets/ai-exports-rfi/summary?q=$q"
  echo "$(anon)"
done
awk '/VmHWM/ {printf "    peak resident (with mapped files): %d MB\n", $2 / 1024}' /proc/$server/status
kill -9 $server; trap - EXIT
wait $server 2>/dev/null || true
