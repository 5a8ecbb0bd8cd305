#!/usr/bin/env bash
# What a node on PostgreSQL does while the server ends its connections, as a restart, a failover
# or an administrator would: a release server on a fresh database of the throwaway server in
# PGDIR (scripts/postgres.sh), 200 interval jobs firing every second at runhooks-load's sink,
# and from the 10th to the 30th second every backend of that database ended with
# pg_terminate_backend every 0.1-0.4 s, while an API client lists jobs every 50 ms.
# Prints the fires of each 5 s window (200 jobs: 1,000 each; a fire held up past a window's end
# counts in the next), the slots recorded as missed, the slots the store has no execution for,
# the API's status codes, and whether the server stops within 20 s of SIGTERM.
#
#   scripts/postgres-terminations.sh [PGDIR]           # PGDIR default /tmp/runhooks-pg
#   BIN=/tmp/other/runhooks scripts/postgres-terminations.sh   # another build
#   LOG=/tmp/node.log scripts/postgres-terminations.sh          # keep the node's log
#   KEEP_DB=1 scripts/postgres-terminations.sh                  # keep the database (terminations_PID)
#   OUTAGE=15 scripts/postgres-terminations.sh                  # instead: PostgreSQL stopped for 15 s
#                                                               # from the 10th second, then started again
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
first=${EPOCHREALTIME/./}
for window in $(seq 12); do
  # Windows end every 5 s from the first, timed in microseconds (bash's SECONDS counts whole
  # seconds, which cut the terminating windows short by up to a second).
  end=$((first + window * 5000000))
  if [[ -n "${OUTAGE:-}" ]] && ((window == 3)); then
    scripts/postgres.sh stop "$PGDIR" >/dev/null
    sleep "$OUTAGE"
    scripts/postgres.sh start "$PGDIR" "$(cat "$PGDIR/port")" >/dev/null
    # This window lasts as long as the outage; the ones after it end every 5 s from its end.
    first=$((${EPOCHREALTIME/./} - window * 5000000))
    end=$((first + window * 5000000))
    label="PostgreSQL stopped for $OUTAGE s"
  elif [[ -z "${OUTAGE:-}" ]] && ((window >= 3 && window <= 6)); then
    while ((${EPOCHREALTIME/./} < end)); do
      psql "$ADMIN" -qtAc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE datname = '$NAME' AND pid <> pg_backend_pid()" >/dev/null
      pause=$((RANDOM % 4 + 1))00000 left=$((end - ${EPOCHREALTIME/./}))
      sleep "0.$(printf '%06d' $((left < pause ? (left > 0 ? left : 0) : pause)))"
    done
    label="backends ended"
  else
    label=""
  fi
  rest=$((end - ${EPOCHREALTIME/./}))
  ((rest > 0)) && sleep "$(printf '%d.%06d' $((rest / 1000000)) $((rest % 1000000)))"
  now=$(fires)
  printf 'window %2d  fires %4d  %s\n' "$window" $((now - previous)) "$label"
  previous=$now
done
kill $poller
missed=$(curl -s -m 2 "http://127.0.0.1:$PORT/metrics" | awk '/^runhooks_missed_slots_total/ {s+=$2} END {print s+0}')
echo "slots recorded as missed (catch-up after a lost lease fires the latest once): $missed"
echo "API status codes: $(sort "$WORK/api.log" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
# Every slot of every job between its first and last execution should have one, or be
# counted as missed by the execution after it.
gaps=$(psql "$DB" -qtAc "SELECT coalesce(sum((scheduled_for - previous) / 1000 - 1 - missed_slots), 0) FROM (
  SELECT scheduled_for, missed_slots, lag(scheduled_for) OVER (PARTITION BY job_id ORDER BY scheduled_for) AS previous
  FROM executions WHERE attempt = 1) slots WHERE scheduled_for - previous > 1000")
echo "slots neither in the store nor counted as missed (should be 0): $gaps"
kill $load 2>/dev/null
kill "$server"
for _ in $(seq 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$server" 2>/dev/null; then
  echo "the server was still running 20 s after SIGTERM"
else
  echo "the server stopped after SIGTERM"
  server=""
fi
