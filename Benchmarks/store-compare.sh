#!/usr/bin/env bash
# One node on SQLite beside one node on PostgreSQL, same machine, same minutes: each backend
# in turn (SQLite, PostgreSQL, SQLite, PostgreSQL, ... so that drift in the machine hits both)
# gets a fresh store, a release `runhooks serve` and `runhooks-load` offering JOBS fires/s for
# DURATION seconds. Prints the sustained fires/s of each run, the PostgreSQL/SQLite ratio, and
# checks that every delivery was persisted (successful executions in the store >= deliveries
# the sink counted).
#
#   Benchmarks/store-compare.sh                 # JOBS=6000 DURATION=25 ROUNDS=2
#   JOBS=3000 ROUNDS=3 Benchmarks/store-compare.sh
#
# PostgreSQL runs from scripts/postgres.sh with the durability SQLite has in WAL mode with
# synchronous=NORMAL: a killed process loses nothing, an OS crash may lose the last commits
# (fsync on, synchronous_commit off).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-6000}"
DURATION="${DURATION:-25}"
ROUNDS="${ROUNDS:-2}"
PORT="${PORT:-18190}"

swift build -c release --product runhooks >&2
swift build -c release --product runhooks-load >&2
BIN="$PWD/.build/release/runhooks"
LOAD="$PWD/.build/release/runhooks-load"
WORK="$(mktemp -d /tmp/runhooks-store-compare.XXXXXX)"
chmod 755 "$WORK"
PGPORT=$((30000 + RANDOM % 10000))
export PG_OPTIONS="-c synchronous_commit=off"
export PGOPTIONS="-c client_min_messages=warning"
PGURL="$(scripts/postgres.sh start "$WORK/pg" "$PGPORT")"
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  scripts/postgres.sh stop "$WORK/pg" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
admin_url="${PGURL%%/runhooks\?*}/postgres?sslmode=disable"

run_one() { # backend round
  local backend="$1" round="$2" data="$WORK/$1-$2" database
  if [[ "$backend" == postgres ]]; then
    psql "$admin_url" -qc "DROP DATABASE IF EXISTS bench_$round" -c "CREATE DATABASE bench_$round" >/dev/null
    database="${PGURL/\/runhooks\?//bench_$round?}"
  else
    database="sqlite:$data/runhooks.sqlite"
  fi
  "$BIN" serve --port "$PORT" --data-dir "$data" --database "$database" --rate-limits off \
    --allow-private-targets --log-level warning >"$WORK/$backend-$round.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
  "$LOAD" --api-url "http://127.0.0.1:$PORT/api/v1" --database "$database" --runhooks "$BIN" \
    --jobs "$JOBS" --interval-ms 1000 --duration "$DURATION" --keep-jobs >"$WORK/$backend-$round.load" 2>&1
  kill -TERM "$server"; wait "$server" || true; server=""
  local sustained delivered persisted
  sustained="$(sed -n 's/^sustained \([0-9]*\) fires.*/\1/p' "$WORK/$backend-$round.load")"
  delivered="$(sed -n 's/^delivered \([0-9]*\) distinct.*/\1/p' "$WORK/$backend-$round.load")"
  if [[ "$backend" == postgres ]]; then
    persisted="$(psql "$database" -tAc "SELECT count(*) FROM executions WHERE status = 'success'")"
  else
    persisted="$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM executions WHERE status = 'success'\").fetchone()[0])" "$data/runhooks.sqlite")"
  fi
  echo "$backend $round $sustained $delivered $persisted"
}

results=()
for round in $(seq "$ROUNDS"); do
  for backend in sqlite postgres; do
    line="$(run_one "$backend" "$round")"
    echo "$line" | awk '{printf "%-8s round %s: sustained %6d fires/s  delivered %7d  persisted (success) %7d\n", $1, $2, $3, $4, $5}'
    results+=("$line")
  done
done
printf '%s\n' "${results[@]}" | awk -v jobs="$JOBS" '
  { sum[$1] += $3; n[$1]++; if ($5 < $4) short++ }
  END {
    s = sum["sqlite"] / n["sqlite"]; p = sum["postgres"] / n["postgres"]
    printf "\noffered %d fires/s; mean sustained: SQLite %.0f, PostgreSQL %.0f fires/s; PostgreSQL/SQLite = %.2f\n", jobs, s, p, p / s
    if (short) { printf "%d run(s) persisted fewer successful executions than the sink received\n", short; exit 1 }
    print "every delivery was persisted as a successful execution"
  }'
