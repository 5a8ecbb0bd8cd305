#!/usr/bin/env bash
# What a node on PostgreSQL does while the server ends its connections, as a restart, a failover
# or an administrator would: a release server on a fresh database of the throwaway server in
# PGDIR (scripts/postgres.sh), 200 interval jobs firing every second at runhooks-load's sink,
# and from the 10th to the 30th second every backend of that database ended with
# pg_terminate_backend every 0.1-0.4 s, while an API client lists jobs every 50 ms.
# Prints the fires of each 5 s window (200 jobs: 1,000 each), the slots recorded as missed, the
# API's status codes, and whether the server stops within 20 s of SIGTERM.
#
#   scripts/postgres-terminations.sh [PGDIR]           # PGDIR default /tmp/runhooks-pg
#   BIN=/tmp/other/runhooks scripts/postgres-terminations.sh   # another build
#   LOG=/tmp/node.log scripts/postgres-terminations.sh          # keep the node's log
#   KEEP_DB=1 scripts/postgres-terminations.sh                  # keep the database (terminations_PID)
set -uo pipefail
cd "$(dirname "$0")/.."
PGDIR="${1:-/tmp/runhooks-pg}"
PORT="${PORT:-18320}"
if [[ -z "${BIN:-}" ]]; then
  swift build -c release --product runhooks >&2
  BIN="$PWD/.build/release/runhooks"
fi
swift build -c release --product runhooks-load >&2
LOAD="$PWD/.build/release/runhooks-load"
PGURL="$(scripts/postgres.sh start "$PGDIR" auto | tail -1)"
NAME="terminations_$$"
ADMIN="${PGURL/\/runhooks\?//postgres?}"
DB="${PGURL/\/runhooks\?//$NAME?}"
psql "$ADMIN" -qc "CREATE DATABASE $NAME" >/dev/null
WORK="$(mktemp -d /tmp/runhooks-terminations.XXXXXX)"
server="" load="" poller=""
trap 'kill $poller $load 2>/dev/null; [[ -n "$server" ]] && kill -9 $server 2>/dev/null; [[ -n "${KEEP_DB:-}" ]] || psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null 2>&1; [[ -n "${LOG:-}" ]] && cp "$WORK/server.log" "$LOG"; rm -rf "$WORK"' EXIT

"$BIN" serve --port "$PORT" --data-dir "$WORK" --database "$DB" --rate-limits off --allow-private-targets \
  --log-level warning >"$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
"$LOAD" --api-url "http://127.0.0.1:$PORT/api/v1" --database "$DB" --runhooks "$BIN" --jobs 200 --duration 100 \
  >"$WORK/load.log" 2>&1 &
load=$!
fires() { curl -s -m 2 "http://127.0.0.1:$PORT/metrics" | awk '/^runhooks_fires_total/ {s+=$2} END {print s+0}'; }
while (($(fires) < 2000)); do sleep 0.5; done
key=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v1/auth/register-anonymous" -H 'Content-Type: application/json' \
  -d '{"name":"poller"}' | grep -o 'rh_live_[A-Za-z0-9_]*' | head -1)
(while :; do
  curl -s -m 10 -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT/api/v1/jobs?limit=5"
  sleep 0.05
done >"$WORK/api.log") &
poller=$!
previous=$(fires)
for window in $(seq 12); do
  if ((window >= 3 && window <= 6)); then
    end=$((SECONDS + 5))
    while ((SECONDS < end)); do
      psql "$ADMIN" -qtAc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE datname = '$NAME' AND pid <> pg_backend_pid()" >/dev/null
      sleep "0.$((RANDOM % 4 + 1))"
    done
    label="backends ended"
  else
    sleep 5
    label=""
  fi
  now=$(fires)
  printf 'window %2d  fires %4d  %s\n' "$window" $((now - previous)) "$label"
  previous=$now
done
kill $poller
missed=$(curl -s -m 2 "http://127.0.0.1:$PORT/metrics" | awk '/^runhooks_missed_slots_total/ {s+=$2} END {print s+0}')
echo "slots recorded as missed (catch-up after a lost lease fires the latest once): $missed"
echo "API status codes: $(sort "$WORK/api.log" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
kill $load 2>/dev/null
kill "$server"
for _ in $(seq 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$server" 2>/dev/null; then
  echo "the server was still running 20 s after SIGTERM"
else
  echo "the server stopped after SIGTERM"
  server=""
fi
