#!/usr/bin/env bash
# How long a loaded node takes to stop: one release server on SQLite with JOBS interval jobs
# (every second) at an nginx sink, then SIGTERM, and the seconds until the process exited.
# With RESTART=1 the server is stopped after the jobs are made and started again 5 s later, so
# the SIGTERM (3 s into that start) finds it catching every job up.
#
#   Benchmarks/stop-under-load.sh                       # JOBS=20000
#   RESTART=1 Benchmarks/stop-under-load.sh
#   BIN=/tmp/old/runhooks Benchmarks/stop-under-load.sh  # another build
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-20000}"
PORT="${PORT:-18290}"
SINK_PORT="${SINK_PORT:-18999}"

source Benchmarks/lib.sh
prepare_single_server_run stop

serve() {
  "$BIN" serve --port "$PORT" --data-dir "$WORK/data" --rate-limits off --allow-private-targets --log-level info \
    >>"$WORK/server.log" 2>&1 &
  server=$!
}
mkdir -p "$WORK/data"
serve
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
"$LOAD" --api-url "http://127.0.0.1:$PORT/api/v1" --data-dir "$WORK/data" --runhooks "$BIN" --jobs "$JOBS" \
  --duration 1 --warmup 0 --keep-jobs --target-url "http://127.0.0.1:$SINK_PORT" >"$WORK/load.out" 2>&1 \
  || { echo "runhooks-load failed:" >&2; tail -5 "$WORK/load.out" >&2; exit 1; }
if [[ "${RESTART:-0}" == 1 ]]; then
  stop_server
  sleep 5
  serve
  sleep 3
else
  sleep 8
fi
started=$(date +%s.%N)
kill -TERM "$server"
for _ in $(seq 1200); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server" 2>/dev/null; then
  echo "still running 120 s after SIGTERM (killed)"
else
  python3 -c "print(f'exited {$(date +%s.%N) - $started:.1f} s after SIGTERM ($JOBS jobs a second offered)')"
fi
grep -E ' (warning|error|critical) |stopped while loading' "$WORK/server.log" | tail -3 || true
