#!/usr/bin/env python3
"""Two or more runhooks release builds side by side, taking turns round by round.

Each round runs each build in turn on a fresh server (SQLite) with RATE interval jobs firing every
second at the suite's nginx sink, and prints its fires/s, CPU per fire and lateness p50/p99/max
over a WINDOW-second window; medians over the rounds come last. With --rates, each server goes
through the rates in steps as in the suite (each step's jobs added in one burst, a window at
each), which is the load whose lateness the suite reports. Builds take turns so that a
machine that speeds up or slows down during the run affects each of them alike: compare the
figures of one run only.

    Benchmarks/compare-builds.py /tmp/old/runhooks .build/release/runhooks
    Benchmarks/compare-builds.py --rate 5000 --rounds 5 --window 30 A B C
    Benchmarks/compare-builds.py --rates 1000,2000 --window 15 A B
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
    parser.add_argument("--rates", type=lambda text: [int(rate) for rate in text.split(",")],
                        help="ascending steps on one server instead of --rate, e.g. 1000,2000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=int, default=30, help="seconds measured per build and round (30)")
    parser.add_argument("--settle", type=int, default=6, help="seconds of load before the window (6)")
    arguments = parser.parse_args()
    rates = arguments.rates or [arguments.rate]
    if rates != sorted(set(rates)) or rates[0] <= 0:
        parser.error("--rates must be positive and ascending, e.g. 1000,2000")
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
    results = {(name, rate): [] for name in names for rate in rates}
    try:
        for round_number in range(arguments.rounds):
            for name, build in zip(names, builds):
                steps = suite.runhooks_rates(work, sink, rates, arguments.settle, arguments.window,
                                             label=name.replace(" ", ""), binary=build)
                for rate, figures in zip(rates, steps):
                    results[(name, rate)].append(figures)
                    print(f"round {round_number + 1}  {rate:>6,}/s  " + line(name, figures), flush=True)
    finally:
        sink.stop()
        suite.run(["rm", "-rf", work])
    for rate in rates:
        print(f"\nmedians of {arguments.rounds} round(s) at {rate:,} jobs/s:")
        for name in names:
            medians = {key: statistics.median(r[key] for r in results[(name, rate)]) for key in FIGURES}
            print("          " + line(name, medians))


if __name__ == "__main__":
    main()
