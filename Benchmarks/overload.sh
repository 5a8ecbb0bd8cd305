#!/usr/bin/env bash
# Past the saturation point: one release server on SQLite, JOBS interval jobs (every second)
# created at once through its API at an nginx sink, then over a WINDOW-second window: fires/s,
# slots recorded as missed per second (`runhooks_missed_slots_total`), new TCP connections per
# second (from /proc/net/snmp: the whole machine's, so run nothing else), cores and CPU per fire,
# requests in flight, RSS. With PROBE=1 it then times 30 job creations and 30 listings through
# the saturated node's API; with PERF=1 it records `perf record -g` over the window into
# /tmp/runhooks-overload.perf.data. With AGE=N the store is aged before the window: the server
# is stopped, N finished executions per job (from the last six hours) are written into its
# SQLite file, and it is started again (AGE=0: restarted only), so a run compares a fresh
# store with one that has a long history (the suite's SQLite node reaches its 20,000 step with millions of rows).
#
#   Benchmarks/overload.sh                        # JOBS=20000 WINDOW=15
#   JOBS=30000 PROBE=1 Benchmarks/overload.sh
#   BIN=/tmp/old/runhooks Benchmarks/overload.sh  # another build
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-20000}"
WINDOW="${WINDOW:-15}"
PORT="${PORT:-18290}"
SINK_PORT="${SINK_PORT:-18999}"

source Benchmarks/lib.sh
prepare_single_server_run overload

mkdir -p "$WORK/data"
"$BIN" serve --port "$PORT" --data-dir "$WORK/data" --rate-limits off --allow-private-targets --log-level warning \
  >"$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
started=$(date +%s)
"$LOAD" --api-url "http://127.0.0.1:$PORT/api/v1" --data-dir "$WORK/data" --runhooks "$BIN" --jobs "$JOBS" \
  --duration 1 --warmup 0 --keep-jobs --target-url "http://127.0.0.1:$SINK_PORT" >"$WORK/load.out" 2>&1 \
  || { echo "runhooks-load failed:" >&2; tail -5 "$WORK/load.out" >&2; exit 1; }
echo "created $JOBS jobs in $(($(date +%s) - started)) s"
if [[ -n "${AGE:-}" ]]; then
  stop_server
  aged=$(date +%s)
  # Ids sort before every real one (they are time-ordered hex); slots are in the past.
  sqlite3 "$WORK/data/runhooks.sqlite" <<SQL
PRAGMA cache_size = -512000;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $AGE),
  base(ms) AS (SELECT (CAST(strftime('%s', 'now') AS INTEGER) - 3600 * 6) * 1000)
INSERT INTO executions (id, user_id, job_id, status, scheduled_for, attempt, started_at, completed_at,
                        duration_ms, http_status_code, missed_slots, created_at)
SELECT printf('000000%08x%010d', n.i, j.rowid), j.user_id, j.id, 'success', base.ms + n.i * 1000, 1,
       base.ms + n.i * 1000, base.ms + n.i * 1000 + 2, 2, 200, 0, base.ms + n.i * 1000
FROM n, jobs j, base
WHERE $AGE > 0
ORDER BY n.i, j.rowid;
SQL
  echo "aged the store: $AGE executions per job ($(sqlite3 "$WORK/data/runhooks.sqlite" 'SELECT count(*) FROM executions') rows) in $(($(date +%s) - aged)) s"
  "$BIN" serve --port "$PORT" --data-dir "$WORK/data" --rate-limits off --allow-private-targets --log-level warning \
    >>"$WORK/server.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
  sleep 10
fi
sleep 6

metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v name="$1" '$1 == name {print $2}'; }
connects() { awk '/^Tcp:/ && $2 ~ /^[0-9]/ {print $6}' /proc/net/snmp; }
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
f0=$(metric runhooks_fires_total); m0=$(metric runhooks_missed_slots_total); o0=$(connects); c0=$(ticks); s0=$(date +%s.%N)
if [[ "${PERF:-0}" == 1 ]]; then
  perf record -F 499 -g -o /tmp/runhooks-overload.perf.data -p "$server" -- sleep "$WINDOW" >/dev/null 2>&1
else
  sleep "$WINDOW"
fi
f1=$(metric runhooks_fires_total); m1=$(metric runhooks_missed_slots_total); o1=$(connects); c1=$(ticks); s1=$(date +%s.%N)
python3 - "$f0" "$f1" "${m0:-0}" "${m1:-0}" "$o0" "$o1" "$c0" "$c1" "$s0" "$s1" "$(getconf CLK_TCK)" "$JOBS" <<'PY'
import sys
f0, f1, m0, m1, o0, o1, c0, c1, s0, s1, hz, jobs = map(float, sys.argv[1:])
seconds = s1 - s0
fires, missed, cores = (f1 - f0) / seconds, (m1 - m0) / seconds, (c1 - c0) / hz / seconds
print(f"offered {jobs:.0f}/s   fires/s {fires:.0f}   missed slots/s {missed:.0f}   "
      f"TCP connects/s {(o1 - o0) / seconds:.0f}   cores {cores:.2f}   CPU per fire {cores / max(fires, 1) * 1e6:.0f} us")
PY
echo "requests in flight $(metric runhooks_requests_in_flight)   RSS $(awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$server/status")"
errors=$(grep -c -E ' (error|critical) ' "$WORK/server.log" || true)
echo "server log: $errors error line(s)"
if ((errors > 0)); then grep -m 3 -E ' (error|critical) ' "$WORK/server.log"; fi

if [[ "${PROBE:-0}" == 1 ]]; then
  account=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v1/auth/register-anonymous" -H 'Content-Type: application/json' -d '{"name":"probe"}')
  key=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["apiKey"])' <<<"$account")
  user=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["user"]["id"])' <<<"$account")
  "$BIN" admin set-plan "$user" growth --data-dir "$WORK/data" >/dev/null
  summary() { sort -n | awk -v what="$1" '{t[NR] = $1} END {printf "%s: min %.0f ms  p50 %.0f ms  max %.0f ms\n", what, t[1] * 1000, t[int((NR + 1) / 2)] * 1000, t[NR] * 1000}'; }
  for _ in $(seq 30); do
    curl -s -o /dev/null -w '%{time_total}\n' -X POST "http://127.0.0.1:$PORT/api/v1/jobs" -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' \
      -d '{"name":"probe","schedule":{"type":"interval","expression":"3600000"},"httpConfig":{"url":"http://127.0.0.1:9/probe","method":"GET"}}'
  done | summary "POST /api/v1/jobs"
  for _ in $(seq 30); do
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/api/v1/jobs" -H "Authorization: Bearer $key"
  done | summary "GET /api/v1/jobs"
fi
