#!/usr/bin/env bash
# CPU per fire of two runhooks builds at the same time: each a release server on SQLite of its
# own, with JOBS interval jobs firing every second at one shared nginx sink, measured over the
# same WINDOW-second windows, ROUNDS windows in a row. This machine's speed drifts by 15 % within
# minutes, so builds measured one after the other differ by that much even when they are the
# same; measured together, both see the same drift and their ratio holds still. Prints each
# window's CPU per fire for A and B and B / A, then the median ratio.
#
#   A_BIN=/tmp/old/runhooks Benchmarks/side-by-side.sh              # B: this tree, release build
#   A_BIN=x B_BIN=y JOBS=1000 WINDOW=10 ROUNDS=6 Benchmarks/side-by-side.sh
#   A_ENV="RUNHOOKS_SEND_WINDOW_MS=8" A_BIN=… B_BIN=… Benchmarks/side-by-side.sh   # one build, two settings
#
# Give the same binary as A and B (an A/A run) to see how far apart two identical servers read.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-1000}"
WINDOW="${WINDOW:-10}"
ROUNDS="${ROUNDS:-5}"
SINK_PORT="${SINK_PORT:-18999}"
A_PORT="${A_PORT:-18291}"
B_PORT="${B_PORT:-18292}"

source Benchmarks/lib.sh
[[ -n "${A_BIN:-}" ]] || { echo "A_BIN: the runhooks binary to compare with" >&2; exit 64; }
if [[ -z "${B_BIN:-}" ]]; then
  swift build -c release --product runhooks >&2
  B_BIN="$PWD/.build/release/runhooks"
fi
swift build -c release --product runhooks-load >&2
LOAD="$PWD/.build/release/runhooks-load"
WORK="$(mktemp -d /tmp/runhooks-side.XXXXXX)"
start_nginx_sink "$WORK" "$SINK_PORT"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_nginx_sink "$WORK"
  rm -rf "$WORK"
}
trap cleanup EXIT

duration=$((ROUNDS * WINDOW + 40))
# Starts one loaded server (lib.sh's start_loaded_server, on its own port) with extra
# environment; prints its pid.
start_side() { # name bin port env
  local name="$1" bin="$2" port="$3" extra="$4"
  (
    PORT="$port"
    # shellcheck disable=SC2086
    if [[ -n "$extra" ]]; then export $extra; fi
    start_loaded_server "$bin" "$WORK/data-$name" "http://127.0.0.1:$SINK_PORT" "$duration"
    echo "$server $load" >"$WORK/$name.pids"
    wait "$load" || true
  ) &
}
start_side a "$A_BIN" "$A_PORT" "${A_ENV:-}"
start_side b "$B_BIN" "$B_PORT" "${B_ENV:-}"
for name in a b; do while [[ ! -s "$WORK/$name.pids" ]]; do sleep 0.2; done; done
read -r a_server a_load <"$WORK/a.pids"
read -r b_server b_load <"$WORK/b.pids"
pids+=("$a_load" "$b_load" "$a_server" "$b_server")
sleep 8

fires() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^runhooks_fires_total/ {s+=$2} END {print s+0}'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
for round in $(seq "$ROUNDS"); do
  af0=$(fires "$A_PORT"); bf0=$(fires "$B_PORT"); at0=$(ticks "$a_server"); bt0=$(ticks "$b_server")
  sleep "$WINDOW"
  af1=$(fires "$A_PORT"); bf1=$(fires "$B_PORT"); at1=$(ticks "$a_server"); bt1=$(ticks "$b_server")
  echo "$round $af0 $af1 $at0 $at1 $bf0 $bf1 $bt0 $bt1"
done | python3 -c "
import statistics, sys
tick = $(getconf CLK_TCK)
ratios = []
for line in sys.stdin:
    n, af0, af1, at0, at1, bf0, bf1, bt0, bt1 = map(float, line.split())
    a = (at1 - at0) / tick / max(1, af1 - af0) * 1e6
    b = (bt1 - bt0) / tick / max(1, bf1 - bf0) * 1e6
    ratios.append(b / a)
    print(f'window {int(n)}: A {a:4.0f} us per fire ({(af1 - af0) / $WINDOW:.0f}/s)   B {b:4.0f} us ({(bf1 - bf0) / $WINDOW:.0f}/s)   B / A {b / a:.2f}', flush=True)
print(f'median B / A over {len(ratios)} windows: {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f})')
"
