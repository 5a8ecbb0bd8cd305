#!/usr/bin/env python3
"""The benchmark suite behind Benchmarks/run.sh (which installs the peers and builds first).

Every comparison is a ratio of figures taken in this one run, on this machine:
  (a) timing wheel vs swift-collections Heap vs Netty's HashedWheelTimer, 10^5..10^7 timers;
  (b) end to end: N interval jobs every second at an nginx sink, for several N: fires/s, lateness
      at the sink (arrival − Runhooks-Scheduled-At), server CPU per fire and RSS, beside
      APScheduler 3 + aiohttp on the same workload and beside the sink's raw capacity (wrk);
  (c) GET /api/v1/jobs/:id with an API key vs a bare Hummingbird route, both under wrk;
  (d) (b) again on the PostgreSQL store.
Results go to Benchmarks/RESULTS.md (and the raw figures to Benchmarks/results.json).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, ".build", "release")
SINK_PORT = 18999
SERVER_PORT = 18290
BARE_PORT = 18300
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs).stdout


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wait_for_url(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


# MARK: the nginx sink

class Sink:
    """nginx answering 204 to everything, logging arrival time and Runhooks-Scheduled-At."""

    def __init__(self, work):
        self.dir = os.path.join(work, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.dir, "arrivals.log")
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as conf:
            conf.write(f"""worker_processes 1;
daemon on;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 16384; }}
http {{
    log_format arrival '$msec $http_runhooks_scheduled_at';
    access_log {self.log} arrival buffer=256k flush=1s;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {{ listen 127.0.0.1:{SINK_PORT} backlog=8192; location / {{ return 204; }} }}
}}
""")
        subprocess.run(["nginx", "-c", self.conf], check=True)
        self.url = f"http://127.0.0.1:{SINK_PORT}"

    def stop(self):
        subprocess.run(["nginx", "-c", self.conf, "-s", "stop"], check=False, capture_output=True)

    def offset(self):
        return os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def arrivals(self, offset, start, end):
        """Arrivals with a scheduled time in [start, end): (count, lateness in ms)."""
        time.sleep(1.5)  # the log is flushed every second
        lateness = []
        with open(self.log) as arrivals:
            arrivals.seek(offset)
            for line in arrivals:
                parts = line.split()
                if len(parts) != 2 or parts[1] == "-":
                    continue
                arrived = float(parts[0])
                if not start <= arrived < end:
                    continue
                scheduled = datetime.datetime.fromisoformat(parts[1].replace("Z", "+00:00")).timestamp()
                lateness.append((arrived - scheduled) * 1000)
        return len(lateness), lateness

    def raw_capacity(self, seconds):
        output = run(["wrk", "-t2", "-c64", f"-d{seconds}s", self.url + "/"])
        return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


# MARK: (a) timing wheels

def wheel_section(sizes, rounds, netty_window):
    results = []
    output = run([os.path.join(RELEASE, "TimingWheelBenchmark")] + [str(size) for size in sizes])
    for line in output.splitlines():
        if line.startswith("RESULT "):
            _, structure, scenario, count, ns, nbytes = line.split()
            results.append({"structure": structure, "scenario": scenario, "timers": int(count),
                            "ns_per_timer": float(ns), "bytes_per_timer": float(nbytes), "runs": 3})
    classes = os.path.join(tempfile.mkdtemp(prefix="runhooks-netty-"), "classes")
    os.makedirs(classes)
    classpath = "/usr/share/java/netty-common.jar"
    run(["javac", "-cp", classpath, "-d", classes, os.path.join(ROOT, "Benchmarks", "peers", "NettyWheelBenchmark.java")])
    for size in sizes:
        for scenario, span in (("saturated", 60_000), ("sparse", 3_600_000)):
            runs = []
            for _ in range(rounds):
                output = run(["java", "-Xmx6g", "-cp", f"{classes}:{classpath}", "NettyWheelBenchmark",
                              str(size), str(span), str(netty_window)])
                fields = [line.split() for line in output.splitlines() if line.startswith("RESULT ")][0]
                runs.append((float(fields[4]), float(fields[5])))
            results.append({"structure": "netty", "scenario": scenario, "timers": size,
                            "ns_per_timer": median([r[0] for r in runs]), "bytes_per_timer": median([r[1] for r in runs]),
                            "runs": rounds})
            log(f"netty {scenario} {size}: {results[-1]['ns_per_timer']:.0f} ns per timer")
    return results


# MARK: (b, d) end to end

class RunhooksServer:
    def __init__(self, work, label, database=None, binary=None):
        self.data = os.path.join(work, f"data-{label}-{time.time_ns()}")
        os.makedirs(self.data)
        self.binary = binary or os.path.join(RELEASE, "runhooks")
        command = [self.binary, "serve", "--port", str(SERVER_PORT), "--data-dir", self.data,
                   "--rate-limits", "off", "--allow-private-targets", "--log-level", "warning"]
        self.database = database
        if database:
            command += ["--database", database]
        self.output = open(self.data + ".log", "w")
        self.process = subprocess.Popen(command, stdout=self.output, stderr=subprocess.STDOUT)
        self.api = f"http://127.0.0.1:{SERVER_PORT}/api/v1"
        wait_for_url(self.api + "/health")

    def add_jobs(self, count, target):
        command = [os.path.join(RELEASE, "runhooks-load"), "--api-url", self.api, "--data-dir", self.data,
                   "--runhooks", self.binary, "--jobs", str(count), "--duration", "1",
                   "--warmup", "0", "--keep-jobs", "--target-url", target]
        if self.database:
            command += ["--database", self.database]
        run(command)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.output.close()


def measure_window(pid, sink, settle, window):
    time.sleep(settle)
    offset = sink.offset()
    cpu0, start = cpu_seconds(pid), time.time()
    time.sleep(window)
    cpu1, end = cpu_seconds(pid), time.time()
    rss = rss_mb(pid)
    count, lateness = sink.arrivals(offset, start, end)
    return {"fires_per_s": count / (end - start), "cpu_us_per_fire": (cpu1 - cpu0) / max(count, 1) * 1e6,
            "cores": (cpu1 - cpu0) / (end - start), "rss_mb": rss,
            "lateness_p50_ms": percentile(lateness, 0.5), "lateness_p99_ms": percentile(lateness, 0.99),
            "lateness_max_ms": max(lateness) if lateness else float("nan")}


def runhooks_rates(work, sink, rates, settle, window, database_factory=None, label="sqlite", binary=None):
    """One server, jobs added rate by rate (ascending); a window measured at each rate."""
    database = database_factory() if database_factory else None
    server = RunhooksServer(work, label, database, binary)
    results = []
    try:
        current = 0
        for rate in rates:
            server.add_jobs(rate - current, sink.url)
            current = rate
            figures = measure_window(server.process.pid, sink, settle, window)
            figures.update({"system": f"runhooks ({label})", "offered": rate})
            results.append(figures)
            log(f"runhooks {label} at {rate}/s: {figures['fires_per_s']:.0f} fires/s, "
                f"{figures['cpu_us_per_fire']:.0f} us per fire, p99 {figures['lateness_p99_ms']:.1f} ms")
    finally:
        server.stop()
    return results


def apscheduler_rate(sink, rate, settle, window):
    peer = subprocess.Popen([sys.executable, os.path.join(ROOT, "Benchmarks", "peers", "apscheduler_peer.py"),
                             "--jobs", str(rate), "--url", sink.url + "/hit", "--duration", str(settle + window + 5),
                             "--warmup", str(settle)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        figures = measure_window(peer.pid, sink, settle, window)
    finally:
        peer.terminate()
        peer.wait()
    figures.update({"system": "APScheduler 3 + aiohttp", "offered": rate})
    log(f"apscheduler at {rate}/s: {figures['fires_per_s']:.0f} fires/s, {figures['cpu_us_per_fire']:.0f} us per fire")
    return figures


def postgres_factory(work):
    def make():
        # A directory of its own each time: `postgres.sh start` on an existing one would keep
        # the jobs of the last run (every round used to start from the previous one's 10,000).
        directory = os.path.join(work, f"pg-{time.time_ns()}")
        # A free port each time: the same fixed port in every round could still be held by the
        # last round's server while it shut down (a full run once died there in round 2).
        url = run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", directory, "auto"]).strip().splitlines()[-1]
        make.started.append(directory)
        return url
    make.started = []
    return make


def end_to_end_section(work, sink, rates, rounds, settle, window, with_postgres, baseline):
    results = []
    for round_number in range(rounds):
        log(f"end to end, round {round_number + 1} of {rounds}")
        results += runhooks_rates(work, sink, rates, settle, window)
        if baseline:
            results += runhooks_rates(work, sink, rates, settle, window, label="baseline", binary=baseline)
        for rate in rates:
            results.append(apscheduler_rate(sink, rate, settle, window))
        if with_postgres:
            factory = postgres_factory(work)
            try:
                results += runhooks_rates(work, sink, rates, settle, window, factory, "postgres")
            finally:
                for directory in factory.started:
                    subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", directory], capture_output=True)
    return results


# MARK: (c) the API

def api_section(work, rounds, seconds):
    bare = subprocess.Popen([os.path.join(RELEASE, "BareHummingbird"), str(BARE_PORT)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    server = RunhooksServer(work, "api")
    try:
        wait_for_url(f"http://127.0.0.1:{BARE_PORT}/job")
        request = urllib.request.Request(server.api + "/auth/register-anonymous", data=b'{"name":"bench"}',
                                         headers={"Content-Type": "application/json"})
        key = json.load(urllib.request.urlopen(request))["data"]["apiKey"]
        job = json.dumps({"name": "Sync", "schedule": {"type": "cron", "expression": "0 * * * *"},
                          "httpConfig": {"url": "https://example.com/hook", "method": "POST"}}).encode()
        request = urllib.request.Request(server.api + "/jobs", data=job, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        job_id = json.load(urllib.request.urlopen(request))["data"]["id"]
        results = {"bare": [], "api": []}
        for _ in range(rounds):
            for name, command in (
                ("bare", ["wrk", "-t2", "-c32", f"-d{seconds}s", f"http://127.0.0.1:{BARE_PORT}/job"]),
                ("api", ["wrk", "-t2", "-c32", f"-d{seconds}s", "-H", f"Authorization: Bearer {key}",
                         f"{server.api}/jobs/{job_id}"]),
            ):
                output = run(command)
                if "Non-2xx" in output:
                    raise RuntimeError(f"{name}: some answers were not 2xx:\n{output}")
                results[name].append(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)))
        log(f"API: bare {median(results['bare']):.0f} req/s, GET /jobs/:id {median(results['api']):.0f} req/s")
        return results
    finally:
        bare.terminate()
        bare.wait()
        server.stop()


# MARK: the report

def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    swift = run(["swift", "--version"]).splitlines()[0] if shutil.which("swift") else "?"
    commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": memory, "kernel": platform.release(), "swift": swift,
            "commit": commit, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def fmt(value, digits=0):
    if value != value:
        return "—"
    return f"{value:,.{digits}f}"


def render(results, arguments):
    lines = []
    m = results["machine"]
    lines += ["# Benchmark results", "",
              f"Written by `Benchmarks/run.sh{' --quick' if arguments.quick else ''}` on {m['date']}, commit {m['commit']}.",
              f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}; {m['swift']}.",
              "Every figure is from a release build; every ratio compares figures taken in this run, minutes apart.",
              f"Medians of {arguments.rounds} run(s) unless said otherwise. The servers, the peers, the sink and the load",
              "generator all share this machine's cores.", ""]
    runs = results.get("measured", {})
    if len({(run["date"], run["commit"]) for run in runs.values()}) > 1:
        names = {"wheel": "(a) timing wheels", "e2e": "(b, d) end to end", "api": "(c) the API"}
        lines += ["Sections from separate runs (each section's ratios are from its own run): " + "; ".join(
            f"{names[section]} on {run['date']}, commit {run['commit']}, {run.get('rounds') or '?'} round(s)"
            for section, run in runs.items()) + ".", ""]
    lines += [remark for remark in results.get("remarks", [])] + ([""] if results.get("remarks") else [])

    wheel = results.get("wheel", [])
    if wheel:
        lines += ["## (a) Timing wheel vs swift-collections `Heap` vs Netty `HashedWheelTimer`", "",
                  "Nanoseconds of CPU per timer (schedule + fire), bytes of heap per stored timer. Saturated: deadlines",
                  "over 60 s, time advanced 1 ms at a time. Sparse: deadlines over an hour, waking at each next",
                  "expiration. Ours and the heap replay the whole span on a simulated clock, taking turns (median of 5); Netty runs on",
                  "the wall clock with a 1 ms tick and 512 buckets, so its per-timer CPU is sampled over a window with",
                  "every timer pending (see `Benchmarks/peers/NettyWheelBenchmark.java`).", "",
                  "| timers | scenario | wheel ns | heap ns | Netty ns | heap / wheel | Netty / wheel | wheel B | heap B | Netty B |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        index = {(r["structure"], r["scenario"], r["timers"]): r for r in wheel}
        for size in sorted({r["timers"] for r in wheel}):
            for scenario in ("saturated", "sparse"):
                ours, heap, netty = (index.get((s, scenario, size)) for s in ("wheel", "heap", "netty"))
                if not ours:
                    continue
                get = lambda r, k: r[k] if r else float("nan")
                lines.append(
                    f"| {size:,} | {scenario} | {fmt(ours['ns_per_timer'], 1)} | {fmt(get(heap, 'ns_per_timer'), 1)} | "
                    f"{fmt(get(netty, 'ns_per_timer'), 1)} | {fmt(get(heap, 'ns_per_timer') / ours['ns_per_timer'], 2)}× | "
                    f"{fmt(get(netty, 'ns_per_timer') / ours['ns_per_timer'], 1)}× | {fmt(ours['bytes_per_timer'], 1)} | "
                    f"{fmt(get(heap, 'bytes_per_timer'), 1)} | {fmt(get(netty, 'bytes_per_timer'), 1)} |")
        lines.append("")

    e2e = results.get("end_to_end", [])
    if e2e:
        lines += ["## (b, d) End to end: interval jobs every second at an nginx sink", "",
                  f"N jobs firing every second at nginx (Debian's nginx-light) on loopback; after {arguments.settle} s of",
                  f"settling, a {arguments.window} s window. Fires/s and lateness (arrival time − `Runhooks-Scheduled-At`)",
                  "come from nginx's access log; CPU is the process's utime + stime over the window divided by the",
                  "arrivals in it; RSS at the window's end. Runhooks persists every execution (claim, result);",
                  "APScheduler 3 + aiohttp persists nothing. PostgreSQL is a local throwaway server without fsync.",
                  f"The sink alone answers {fmt(results.get('sink_capacity', float('nan')))} requests/s under `wrk -t2 -c64`.", "",
                  "| system | offered/s | fires/s | lateness p50 / p99 / max (ms) | CPU per fire | cores | RSS MB |",
                  "|---|---|---|---|---|---|---|"]
        systems = []
        for r in e2e:
            if r["system"] not in systems:
                systems.append(r["system"])
        summary = {}
        for system in systems:
            for rate in sorted({r["offered"] for r in e2e}):
                runs = [r for r in e2e if r["system"] == system and r["offered"] == rate]
                if not runs:
                    continue
                med = {k: median([r[k] for r in runs]) for k in runs[0] if k not in ("system", "offered")}
                summary[(system, rate)] = med
                lines.append(
                    f"| {system} | {rate:,} | {fmt(med['fires_per_s'])} | {fmt(med['lateness_p50_ms'], 1)} / "
                    f"{fmt(med['lateness_p99_ms'], 1)} / {fmt(med['lateness_max_ms'], 1)} | {fmt(med['cpu_us_per_fire'])} µs | "
                    f"{fmt(med['cores'], 2)} | {fmt(med['rss_mb'])} |")
        lines += ["", "Ratios from the medians above:", "",
                  "| offered/s | APScheduler CPU per fire / runhooks (SQLite) | runhooks fires/s / APScheduler fires/s |",
                  "|---|---|---|"]
        for rate in sorted({r["offered"] for r in e2e}):
            ours = summary.get(("runhooks (sqlite)", rate))
            peer = summary.get(("APScheduler 3 + aiohttp", rate))
            if ours and peer:
                lines.append(f"| {rate:,} | {fmt(peer['cpu_us_per_fire'] / ours['cpu_us_per_fire'], 2)}× | "
                             f"{fmt(ours['fires_per_s'] / peer['fires_per_s'], 2)}× |")
        lines.append("")

    api = results.get("api")
    if api:
        bare, ours = median(api["bare"]), median(api["api"])
        lines += ["## (c) The API vs a bare Hummingbird route", "",
                  f"`wrk -t2 -c32 -d{arguments.api_seconds}s`, alternating, {arguments.rounds} run(s) each. The bare route "
                  "(`Benchmarks/BareHummingbird`) returns a fixed job-sized JSON body with no middleware and no store.", "",
                  "| route | requests/s |", "|---|---|",
                  f"| bare Hummingbird `GET /job` | {fmt(bare)} |",
                  f"| runhooks `GET /api/v1/jobs/:id` (API key, SQLite) | {fmt(ours)} |",
                  f"| ratio | {fmt(ours / bare, 2)} |", ""]

    lines += targets(results)
    notes = os.path.join(ROOT, "Benchmarks", "RESULTS-notes.md")
    if os.path.exists(notes):
        lines += [open(notes).read().rstrip(), ""]
    return "\n".join(lines)


def targets(results):
    """Issue 12's targets that this run's figures can decide, each marked met or missed."""
    rows = []

    def add(target, figure, met):
        rows.append(f"| {target} | {figure} | {'met' if met else '**missed**'} |")

    wheel = {(r["structure"], r["scenario"], r["timers"]): r for r in results.get("wheel", [])}
    for size in sorted({r["timers"] for r in results.get("wheel", [])}):
        ours, heap = wheel.get(("wheel", "saturated", size)), wheel.get(("heap", "saturated", size))
        if ours and heap:
            ratio = heap["ns_per_timer"] / ours["ns_per_timer"]
            add(f"wheel ≥ 3× the heap, saturated, {size:,} timers", f"{ratio:.2f}×", ratio >= 3)
        ours, heap = wheel.get(("wheel", "sparse", size)), wheel.get(("heap", "sparse", size))
        if ours and heap:
            ratio = heap["ns_per_timer"] / ours["ns_per_timer"]
            add(f"wheel ≥ 2× the heap, sparse, {size:,} timers", f"{ratio:.2f}×", ratio >= 2)
        if ours:
            add(f"wheel ≤ 64 bytes per timer, {size:,} timers", f"{ours['bytes_per_timer']:.1f} B", ours["bytes_per_timer"] <= 64)

    e2e = results.get("end_to_end", [])
    def medians(system):
        table = {}
        for rate in sorted({r["offered"] for r in e2e}):
            runs = [r for r in e2e if r["system"] == system and r["offered"] == rate]
            if runs:
                table[rate] = {k: median([r[k] for r in runs]) for k in runs[0] if k not in ("system", "offered")}
        return table
    ours, peer, base = medians("runhooks (sqlite)"), medians("APScheduler 3 + aiohttp"), medians("runhooks (baseline)")
    if 2000 in ours and 2000 in base:
        ratio = ours[2000]["cpu_us_per_fire"] / base[2000]["cpu_us_per_fire"]
        add("CPU per fire ≤ ⅕ of the baseline build's at 2,000 fires/s", f"{ratio:.2f} of it", ratio <= 0.2)
    if ours and base:
        ratio = max(r["fires_per_s"] for r in ours.values()) / max(r["fires_per_s"] for r in base.values())
        add("peak fires/s ≥ 3× the baseline build's", f"{ratio:.2f}×", ratio >= 3)
    if 2000 in ours and 2000 in peer:
        ratio = ours[2000]["cpu_us_per_fire"] / peer[2000]["cpu_us_per_fire"]
        add("CPU per fire ≤ ¼ of APScheduler's at 2,000 fires/s", f"{ratio:.2f} of it", ratio <= 0.25)
    if ours:
        peak_rate, peak = max(ours.items(), key=lambda item: item[1]["fires_per_s"])
        late = [(rate, row) for rate, row in ours.items() if rate <= 0.8 * peak["fires_per_s"]]
        worst = max((row["lateness_p99_ms"] for _, row in late), default=float("nan"))
        add("lateness p99 ≤ 20 ms up to 80 % of the peak", f"peak {peak['fires_per_s']:,.0f}/s; worst p99 below 80 %: {fmt(worst, 1)} ms",
            worst <= 20)
        top_rate = max(ours)
        if top_rate > peak_rate or ours[top_rate]["fires_per_s"] < 0.999 * top_rate:
            held = ours[top_rate]["fires_per_s"] / peak["fires_per_s"]
            add("past saturation ≥ 90 % of the peak", f"{held:.2f} of the peak at {top_rate:,} offered", held >= 0.9)

    api = results.get("api")
    if api:
        ratio = median(api["api"]) / median(api["bare"])
        add("GET /jobs/:id ≥ 50 % of a bare Hummingbird route", f"{ratio:.2f}", ratio >= 0.5)
    if not rows:
        return []
    return ["## Issue 12's targets, decided by this run", "", "| target | this run | verdict |", "|---|---|---|"] + rows + [
        "", "Targets set against an older build (5× less CPU per fire, 3× the saturation point) are decided only",
        "when that build runs beside this one: `Benchmarks/run.sh --baseline-bin PATH`.", ""]


ALL_SECTIONS = ("wheel", "e2e", "api", "postgres")
SECTION_KEYS = {"wheel": ("wheel",), "e2e": ("sink_capacity", "end_to_end"), "api": ("api",)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--sections", default=",".join(ALL_SECTIONS),
                        help="some of wheel,e2e,api,postgres; the others are kept from the last results.json")
    parser.add_argument("--baseline-bin", help="an older runhooks release binary to run beside this one (SQLite)")
    parser.add_argument("--output", default=os.path.join(ROOT, "Benchmarks", "RESULTS.md"))
    parser.add_argument("--rerender", action="store_true",
                        help="write RESULTS.md again from results.json (after editing RESULTS-notes.md), measuring nothing")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.rounds = arguments.rounds or 1
        arguments.rates = arguments.rates or [2000, 10000]
        sizes, netty_window = [100_000, 1_000_000], 3
        arguments.settle, arguments.window, arguments.api_seconds = 4, 8, 4
    else:
        arguments.rounds = arguments.rounds or 3
        arguments.rates = arguments.rates or [1000, 2000, 5000, 10000, 20000]
        sizes, netty_window = [100_000, 1_000_000, 10_000_000], 8
        arguments.settle, arguments.window, arguments.api_seconds = 6, 15, 8
    raw_path = os.path.join(os.path.dirname(os.path.abspath(arguments.output)), "results.json")
    if arguments.rerender:
        with open(raw_path) as raw:
            results = json.load(raw)
        for key, value in results.get("arguments", {}).items():
            setattr(arguments, key, value)
        with open(arguments.output, "w") as report:
            report.write(render(results, arguments))
        log(f"wrote {arguments.output} from {raw_path}")
        return
    sections = set(arguments.sections.split(","))
    # A run of some sections only replaces those in the last results and keeps the others,
    # each labelled with the run it comes from.
    previous = None
    if sections != set(ALL_SECTIONS) and os.path.exists(raw_path):
        with open(raw_path) as raw:
            previous = json.load(raw)
    work = tempfile.mkdtemp(prefix="runhooks-bench-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user and keeps its data in here
    results = {"machine": machine(), "mode": "quick" if arguments.quick else "full",
               "arguments": {key: getattr(arguments, key) for key in ("quick", "rounds", "settle", "window", "api_seconds")}}
    sink = Sink(work)
    try:
        if "wheel" in sections:
            log("(a) timing wheels")
            results["wheel"] = wheel_section(sizes, arguments.rounds, netty_window)
        if "e2e" in sections:
            results["sink_capacity"] = sink.raw_capacity(4 if arguments.quick else 8)
            log(f"sink capacity {results['sink_capacity']:.0f} requests/s")
            results["end_to_end"] = end_to_end_section(work, sink, arguments.rates, arguments.rounds, arguments.settle,
                                                       arguments.window, "postgres" in sections, arguments.baseline_bin)
        if "api" in sections:
            log("(c) the API")
            results["api"] = api_section(work, arguments.rounds, arguments.api_seconds)
    finally:
        sink.stop()
        shutil.rmtree(work, ignore_errors=True)
    run_label = {"date": results["machine"]["date"], "commit": results["machine"]["commit"],
                 "rounds": arguments.rounds}
    measured = {section: run_label for section in ("wheel", "e2e", "api") if section in sections}
    if previous:
        first_run = {"date": previous["machine"]["date"], "commit": previous["machine"]["commit"],
                     "rounds": previous.get("arguments", {}).get("rounds")}
        merged = dict(previous)
        merged["measured"] = {section: first_run for section in ("wheel", "e2e", "api")}
        merged["measured"].update(previous.get("measured", {}))
        merged["measured"].update(measured)
        for section, keys in SECTION_KEYS.items():
            if section in sections:
                for key in keys:
                    if key in results:
                        merged[key] = results[key]
        results = merged
        for key, value in results.get("arguments", {}).items():
            if key != "rounds":
                setattr(arguments, key, value)
    else:
        results["measured"] = measured
    os.makedirs(os.path.dirname(os.path.abspath(arguments.output)), exist_ok=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(arguments.output)), "results.json"), "w") as raw:
        json.dump(results, raw, indent=1)
    with open(arguments.output, "w") as report:
        report.write(render(results, arguments))
    log(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
