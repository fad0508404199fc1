#!/usr/bin/env bash
# Import benchmark (docs/BENCHMARKS.md, "Import"): `rfidesk import
# regulations-gov` of a 1,000,000-row bulk-download CSV into an empty
# docket, on SQLite and on PostgreSQL; then the same file again (all
# already imported); beside each, the peer in the same run: the same rows
# loaded by SQLite itself (Python's csv + sqlite3 executemany into one
# table, one transaction) and by PostgreSQL's COPY (psql \copy).
#
#   bench/import.sh /var/tmp/rfidesk-target/release
# Env: CSV (default /var/tmp/regs-1m.csv, made if missing), ROWS,
#      PG (default postgres://postgres@127.0.0.1:5432), SKIP_PG=1, SKIP_SQLITE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-/var/tmp/rfidesk-target/release}/rfidesk"
csv="${CSV:-/var/tmp/regs-1m.csv}"
pg="${PG:-postgres://postgres@127.0.0.1:5432}"
[ -f "$csv" ] || python3 bench/regulations_gov_csv.py --rows "${ROWS:-1000000}" --out "$csv"
rows=$(($(python3 -c "import csv,sys; csv.field_size_limit(1<<30); print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))))" "$csv") - 1))
echo "file: $csv, $(du -h "$csv" | cut -f1), $rows rows"

run_import() { # label, env...
  local label=$1; shift
  local out; out=$(mktemp)
  /usr/bin/time -f "%e s, max RSS %M KB" env "$@" "$bin" import regulations-gov "$csv" --docket ai-exports-rfi >"$out" 2>"$out.err" || { cat "$out.err"; exit 1; }
  echo "$label: $(tail -n 2 "$out" | head -n 1)"
  echo "$label: $(tail -n 1 "$out.err")"
  rm -f "$out" "$out.err"
}

data=$(mktemp -d /var/tmp/import-bench.XXXX)
trap 'rm -rf "$data"' EXIT
if [ "${SKIP_SQLITE:-}" != 1 ]; then
env RFIDESK_DATA_DIR="$data" "$bin" docket load fixtures/dockets/ai-exports-rfi.toml >/dev/null
run_import "sqlite first" RFIDESK_DATA_DIR="$data"
run_import "sqlite again" RFIDESK_DATA_DIR="$data"
echo "database: $(du -sh "$data" | cut -f1)"

python3 - "$csv" "$data/peer.db" <<'PY'
import csv, sqlite3, sys, time
csv.field_size_limit(1 << 30)
t = time.time()
db = sqlite3.connect(sys.argv[2])
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
r = csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))
header = next(r)
cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
db.execute(f"CREATE TABLE peer ({cols})")
db.execute("CREATE UNIQUE INDEX peer_tn ON peer (c3)")
marks = ", ".join("?" * len(header))
n = 0
with db:
    batch = []
    for row in r:
        batch.append(row); n += 1
        if len(batch) == 5000:
            db.executemany(f"INSERT INTO peer VALUES ({marks})", batch); batch = []
    db.executemany(f"INSERT INTO peer VALUES ({marks})", batch)
s = time.time() - t
print(f"peer sqlite (python csv + executemany, one table): {n} rows in {s:.1f} s ({n / s:.0f} rows/s)")
PY
fi

if [ "${SKIP_PG:-}" != 1 ]; then
  db="rfidesk_import_bench_$$"
  psql "$pg/postgres" -qc "CREATE DATABASE $db"
  trap 'rm -rf "$data"; psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
  pgdata=$(mktemp -d /var/tmp/import-bench-pg.XXXX)
  env RFIDESK_DATA_DIR="$pgdata" DATABASE_URL="$pg/$db" "$bin" docket load fixtures/dockets/ai-exports-rfi.toml >/dev/null
  run_import "postgres first" RFIDESK_DATA_DIR="$pgdata" DATABASE_URL="$pg/$db"
  run_import "postgres again" RFIDESK_DATA_DIR="$pgdata" DATABASE_URL="$pg/$db"
  cols=$(head -n 1 "$csv" | python3 -c "import csv,sys; print(', '.join(f'c{i} text' for i,_ in enumerate(next(csv.reader(sys.stdin)))))")
  psql "$pg/$db" -qc "CREATE TABLE peer ($cols); CREATE UNIQUE INDEX peer_tn ON peer (c3)"
  start=$(date +%s.%N)
  psql "$pg/$db" -qc "\\copy peer FROM '$csv' WITH (FORMAT csv, HEADER true)"
  end=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print(f'peer postgres (COPY, one table): {n} rows in {s:.1f} s ({n/s:.0f} rows/s)')" "$start" "$end" "$rows"
  rm -rf "$pgdata"
fi
