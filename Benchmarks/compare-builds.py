#!/usr/bin/env python3
"""Two or more runhooks release builds side by side at one rate, taking turns round by round.

Each round runs each build in turn on a fresh server (SQLite) with RATE interval jobs firing every
second at the suite's nginx sink, and prints its fires/s, CPU per fire and lateness p50/p99/max
over a WINDOW-second window; medians over the rounds come last. Builds take turns so that a
machine that speeds up or slows down during the run affects each of them alike: compare the
figures of one run only.

    Benchmarks/compare-builds.py /tmp/old/runhooks .build/release/runhooks
    Benchmarks/compare-builds.py --rate 5000 --rounds 5 --window 30 A B C
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite  # noqa: E402

FIGURES = ("fires_per_s", "cpu_us_per_fire", "lateness_p50_ms", "lateness_p99_ms", "lateness_max_ms")


def line(name, figures):
    return (f"{name:<8} fires/s {figures['fires_per_s']:>8.0f}   CPU per fire {figures['cpu_us_per_fire']:>5.0f} us   "
            f"lateness p50 / p99 / max {figures['lateness_p50_ms']:.1f} / {figures['lateness_p99_ms']:.1f} / "
            f"{figures['lateness_max_ms']:.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("builds", nargs="+", help="paths of runhooks release binaries")
    parser.add_argument("--rate", type=int, default=2000, help="interval jobs firing every second (2000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=int, default=30, help="seconds measured per build and round (30)")
    parser.add_argument("--settle", type=int, default=6, help="seconds of load before the window (6)")
    arguments = parser.parse_args()
    builds = [os.path.abspath(build) for build in arguments.builds]
    for build in builds:
        if not os.access(build, os.X_OK):
            parser.error(f"{build} is not an executable")
    if shutil.which("nginx") is None or shutil.which("wrk") is None:
        parser.error("needs nginx and wrk: `apt-get install nginx-light wrk` (Benchmarks/run.sh installs them)")
    if not os.access(os.path.join(suite.RELEASE, "runhooks-load"), os.X_OK):
        suite.run(["swift", "build", "-c", "release", "--product", "runhooks-load"], cwd=suite.ROOT)
    names = [f"build {index + 1}" for index in range(len(builds))]
    for name, build in zip(names, builds):
        print(f"{name}: {build}")
    work = tempfile.mkdtemp(prefix="runhooks-compare.")
    sink = suite.Sink(work)
    results = {name: [] for name in names}
    try:
        for round_number in range(arguments.rounds):
            for name, build in zip(names, builds):
                figures = suite.runhooks_rates(work, sink, [arguments.rate], arguments.settle, arguments.window,
                                               label=name.replace(" ", ""), binary=build)[0]
                results[name].append(figures)
                print(f"round {round_number + 1}  " + line(name, figures), flush=True)
    finally:
        sink.stop()
        suite.run(["rm", "-rf", work])
    print(f"\nmedians of {arguments.rounds} round(s) at {arguments.rate:,} jobs/s:")
    for name in names:
        print("          " + line(name, {key: statistics.median(r[key] for r in results[name]) for key in FIGURES}))


if __name__ == "__main__":
    main()
