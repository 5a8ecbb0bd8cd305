#!/usr/bin/env bash
# Fire lateness while the retention sweep deletes a backlog. A release server on SQLite gets
# JOBS interval jobs firing every second at an nginx sink; it is stopped, ROWS executions past
# the growth plan's 14 days are added to its store, and it is started again (the sweep runs at
# start). From SETTLE seconds after the start to WINDOW seconds, it prints the p99 of fire
# lateness (`runhooks_fire_lateness` buckets), the fires more than a second late, the slots
# recorded as missed, and how many old rows are left. Each build runs on its own copy of the
# same store, one after the other; NO_SWEEP=1 adds a run with the old rows removed beforehand.
#
#   Benchmarks/retention-sweep.sh                       # ROWS=2000000 JOBS=2000 WINDOW=75 SETTLE=15
#   BASELINE_BIN=/tmp/old/runhooks Benchmarks/retention-sweep.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2000}"
ROWS="${ROWS:-2000000}"
WINDOW="${WINDOW:-75}"
SETTLE="${SETTLE:-15}"
PORT="${PORT:-18291}"
SINK_PORT="${SINK_PORT:-18999}"

source Benchmarks/lib.sh
prepare_single_server_run retention
SINK="http://127.0.0.1:$SINK_PORT"

start_loaded_server "$BIN" "$WORK/seed" "$SINK" 5
wait "$load" || true
stop_server
server=""
sqlite3 "$WORK/seed/runhooks.sqlite" >/dev/null <<SQL
CREATE TEMP TABLE j AS SELECT row_number() OVER () - 1 AS n, id, user_id FROM jobs;
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < $ROWS - 1)
INSERT INTO executions (id, user_id, job_id, status, scheduled_for, attempt, started_at, completed_at, duration_ms,
                        http_status_code, created_at)
SELECT printf('old_%020d', i), j.user_id, j.id, 'success', 1700000000000 + i, 1, 1700000000000 + i,
       1700000000000 + i, 1, 204, 1700000000000 + i
FROM k JOIN j ON j.n = k.i % (SELECT count(*) FROM j);
PRAGMA wal_checkpoint(TRUNCATE);
SQL

watch_run() { # NAME BIN STORE
  rm -rf "$WORK/run"
  cp -r "$3" "$WORK/run"
  "$2" serve --port "$PORT" --data-dir "$WORK/run" --rate-limits off --allow-private-targets --log-level warning \
    >"$WORK/run.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
  python3 - "$PORT" "$SETTLE" "$WINDOW" "$1" <<'PY'
import re, sys, time, urllib.request
port, settle, window, name = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def scrape():
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    missed, buckets = 0.0, {}
    for line in text.splitlines():
        if line.startswith("runhooks_missed_slots_total"):
            missed += float(line.split()[-1])
        m = re.match(r'runhooks_fire_lateness_bucket\{.*le="([^"]+)".*\} (\S+)', line)
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets[le] = buckets.get(le, 0) + float(m.group(2))
    return missed, buckets
start = time.time()
time.sleep(settle)
missed0, before = scrape()
time.sleep(max(0, window - (time.time() - start)))
missed1, after = scrape()
bounds = sorted(after)
counts = [after[b] - before.get(b, 0) for b in bounds]
fires = counts[-1]
p99 = next(b for b, c in zip(bounds, counts) if c >= 0.99 * fires)
late = fires - next(c for b, c in zip(bounds, counts) if b >= 1)
print(f"{name:<10} fires {fires:>8.0f}   lateness p99 <= {p99 * 1000:g} ms   over 1 s: {late:>6.0f}   "
      f"slots missed: {missed1 - missed0:>7.0f}", end="")
PY
  stop_server
  server=""
  echo "   old rows left: $(sqlite3 "$WORK/run/runhooks.sqlite" "SELECT count(*) FROM executions WHERE id LIKE 'old_%'")"
}

echo "$ROWS executions past retention, $JOBS jobs a second, seconds $SETTLE to $WINDOW after the start:"
if [[ "${NO_SWEEP:-0}" == 1 ]]; then
  cp -r "$WORK/seed" "$WORK/clean"
  sqlite3 "$WORK/clean/runhooks.sqlite" "DELETE FROM executions WHERE id LIKE 'old_%'"
  watch_run "no sweep" "$BIN" "$WORK/clean"
fi
watch_run "this build" "$BIN" "$WORK/seed"
[[ -n "${BASELINE_BIN:-}" ]] && watch_run "baseline" "$BASELINE_BIN" "$WORK/seed"
exit 0
