#!/usr/bin/env bash
# Where a fire's CPU and thread hand-overs go: runs one release server on SQLite with JOBS
# interval jobs firing every second at an nginx sink (as cpu-per-fire.sh), then prints CPU per
# fire and, thread by thread, context switches per fire and CPU over a WINDOW-second window
# (from /proc/PID/task/*). With PERF=1 it records `perf record -g` over the window into
# /tmp/runhooks-fire.perf.data for `perf report -i …`.
#
#   Benchmarks/switches-per-fire.sh                  # JOBS=2000 WINDOW=10
#   PERF=1 Benchmarks/switches-per-fire.sh
#   BIN=/tmp/old/runhooks Benchmarks/switches-per-fire.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2000}"
WINDOW="${WINDOW:-10}"
PORT="${PORT:-18290}"
SINK_PORT="${SINK_PORT:-18999}"

source Benchmarks/lib.sh
prepare_single_server_run switches

start_loaded_server "$BIN" "$WORK/data" "http://127.0.0.1:$SINK_PORT" $((WINDOW + 30))
sleep 6

threads() { # name switches cpu-ticks, one line per thread
  for task in /proc/"$server"/task/*; do
    printf '%s %s %s\n' "$(tr ' ' _ <"$task/comm")" \
      "$(awk '/^voluntary_ctxt/ {v=$2} /^nonvoluntary_ctxt/ {n=$2} END {print v+n}' "$task/status")" \
      "$(awk '{print $14+$15}' "$task/stat")"
  done
}
fires() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^runhooks_fires_total/ {s+=$2} END {print s}'; }
f0=$(fires); threads >"$WORK/before"; s0=$(date +%s.%N)
if [[ "${PERF:-0}" == 1 ]]; then
  perf record -F 999 -g -o /tmp/runhooks-fire.perf.data -p "$server" -- sleep "$WINDOW" >/dev/null 2>&1
else
  sleep "$WINDOW"
fi
f1=$(fires); threads >"$WORK/after"; s1=$(date +%s.%N)
python3 - "$WORK/before" "$WORK/after" "$f0" "$f1" "$s0" "$s1" "$(getconf CLK_TCK)" <<'PY'
import sys
def read(path):
    totals = {}
    for line in open(path):
        name, switches, ticks = line.split()
        entry = totals.setdefault(name, [0, 0])
        entry[0] += int(switches)
        entry[1] += int(ticks)
    return totals
before, after = read(sys.argv[1]), read(sys.argv[2])
fires = float(sys.argv[4]) - float(sys.argv[3])
wall = float(sys.argv[6]) - float(sys.argv[5])
tick = float(sys.argv[7])
cpu = sum(after[n][1] - before.get(n, [0, 0])[1] for n in after) / tick
print(f"fires/s {fires / wall:.0f}   cores {cpu / wall:.2f}   CPU per fire {cpu / fires * 1e6:.0f} us")
total = 0
for name in sorted(after):
    switches = after[name][0] - before.get(name, [0, 0])[0]
    ticks = after[name][1] - before.get(name, [0, 0])[1]
    total += switches
    if switches > fires / 50 or ticks > 0:
        print(f"  {name:28s} switches per fire {switches / fires:5.2f}   cores {ticks / tick / wall:.2f}")
print(f"  all threads: {total / fires:.2f} switches per fire")
PY
