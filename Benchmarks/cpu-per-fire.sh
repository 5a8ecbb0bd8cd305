#!/usr/bin/env bash
# CPU per fire, side by side in one run: runhooks (release) on SQLite, optionally an older
# runhooks binary (BASELINE_BIN, say a release build of an earlier commit), and APScheduler 3 +
# aiohttp (persisting nothing), each firing JOBS interval jobs every second at the same nginx
# sink on loopback (Debian's nginx-light, installed when missing). For runhooks: server CPU
# seconds (utime + stime from /proc) over WINDOW seconds divided by the fires counted by
# `runhooks_fires_total` in that window; every execution is persisted. Last, the floor of this
# stack (Benchmarks/DeliveryFloor): the same requests sent by bare SwiftNIO on two event loops,
# a timer per fire and nothing else, its own CPU per request; with the server's default 4 ms
# send window, then each request at its own millisecond.
#
#   Benchmarks/cpu-per-fire.sh                                 # JOBS=2000 WINDOW=15 ROUNDS=2
#   BASELINE_BIN=/tmp/base/.build-base/release/runhooks Benchmarks/cpu-per-fire.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2000}"
WINDOW="${WINDOW:-15}"
ROUNDS="${ROUNDS:-2}"
SINK_PORT="${SINK_PORT:-18999}"
PORT="${PORT:-18290}"

source Benchmarks/lib.sh
python3 -c "import apscheduler, aiohttp" 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check 'apscheduler>=3.10,<4' 'aiohttp>=3.9,<4'
swift build -c release --product runhooks >&2
swift build -c release --product runhooks-load >&2
swift build -c release --product DeliveryFloor >&2
BIN="$PWD/.build/release/runhooks"
LOAD="$PWD/.build/release/runhooks-load"
WORK="$(mktemp -d /tmp/runhooks-cpu.XXXXXX)"
start_nginx_sink "$WORK" "$SINK_PORT"
cleanup() { stop_nginx_sink "$WORK"; rm -rf "$WORK"; }
trap cleanup EXIT
SINK="http://127.0.0.1:$SINK_PORT"

runhooks_run() { # label binary
  local label="$1" bin="$2" data="$WORK/data-$1-$RANDOM" server load
  start_loaded_server "$bin" "$data" "$SINK" $((WINDOW + 15))
  sleep 8
  local f0 t0 s0 f1 t1 s1
  f0=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^runhooks_fires_total/ {s+=$2} END {print s}')
  t0=$(awk '{print $14+$15}' "/proc/$server/stat"); s0=$(date +%s.%N)
  sleep "$WINDOW"
  f1=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^runhooks_fires_total/ {s+=$2} END {print s}')
  t1=$(awk '{print $14+$15}' "/proc/$server/stat"); s1=$(date +%s.%N)
  wait "$load" || true
  kill "$server"; wait "$server" 2>/dev/null || true
  python3 -c "
f=$f1-$f0; cpu=($t1-$t0)/$(getconf CLK_TCK); wall=$s1-$s0
print(f'$label fires/s {f/wall:.0f}  cores {cpu/wall:.2f}  CPU per fire {cpu/f*1e6:.0f} us')"
}

for round in $(seq "$ROUNDS"); do
  echo "round $round"
  if [[ -n "${BASELINE_BIN:-}" ]]; then runhooks_run baseline "$BASELINE_BIN"; fi
  runhooks_run runhooks "$BIN"
  python3 Benchmarks/peers/apscheduler_peer.py --jobs "$JOBS" --url "$SINK/hit" --duration $((WINDOW + 8)) --warmup 8
  for window in 4 0; do
    .build/release/DeliveryFloor --jobs "$JOBS" --url "$SINK/hit" --duration $((WINDOW + 8)) --warmup 8 --window-ms "$window"
  done
done
