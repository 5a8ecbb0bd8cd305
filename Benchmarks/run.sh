#!/usr/bin/env bash
# The benchmark suite: builds in release mode, installs the peers, runs every comparison and
# writes Benchmarks/RESULTS.md (raw figures in Benchmarks/results.json). See Benchmarks/README.md.
#
#   Benchmarks/run.sh            # full: 3 rounds, 10^5..10^7 timers, 1k..20k jobs/s, PostgreSQL too (~40 min)
#   Benchmarks/run.sh --quick    # one round, smaller sizes, 2k and 10k jobs/s (≤ 5 minutes once built)
#   Benchmarks/run.sh --sections wheel,api --rounds 5
#   Benchmarks/run.sh --baseline-bin /tmp/base/.build-base/release/runhooks   # an older build beside this one
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v nginx >/dev/null || need_apt+=(nginx-light)
command -v wrk >/dev/null || need_apt+=(wrk)
command -v javac >/dev/null || need_apt+=(default-jdk-headless)
[[ -f /usr/share/java/netty-common.jar ]] || need_apt+=(libnetty-java)
if ((${#need_apt[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The peer, pinned: APScheduler 3 with aiohttp.
python3 -c "from importlib.metadata import version as v; assert (v('apscheduler'), v('aiohttp')) == ('3.11.0', '3.12.15')" 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check 'apscheduler==3.11.0' 'aiohttp==3.12.15'

for product in runhooks runhooks-load TimingWheelBenchmark BareHummingbird; do
  swift build -c release --product "$product" >&2
done
exec python3 Benchmarks/suite.py "$@"
