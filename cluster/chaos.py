#!/usr/bin/env python3
"""A chaos soak for a Runhooks cluster on this machine.

Starts N `runhooks serve` nodes sharing one SQLite store (or a PostgreSQL database, --database), a sink that records every delivery
(job, scheduled slot, attempt), and T tenants each with one fast job (the sink answers at once)
and one slow job (the sink answers after --slow-seconds), all every second. For --minutes it
then picks at random, every few seconds: kill -9 a node (restarted a little later), freeze one
(SIGSTOP, then SIGCONT), stop one gracefully (SIGTERM, then start it again), add a node, or,
with --database-dir, restart the PostgreSQL server (fast: every connection cut; or immediate:
as after a crash, with recovery).
Then every node is brought back, left to settle, and stopped gracefully, and the script prints,
from the sink's records and the store:

  slots expected        every slot of every job from its first to the end of the run
  sent                  slots whose first attempt reached the sink
  sent twice            slots whose first attempt reached the sink more than once  (target 0)
  missed (recorded)     slots recorded as missed (`missedSlots`) by a catch-up
  not accounted         expected slots neither claimed nor recorded as missed       (target 0)
  unfinished            executions left pending or running                          (target 0)
  longest silence       the longest gap between two deliveries of one fast job, during the
                        chaos (or the scenario), before the final restarts and stops

It exits 1 when a slot was sent twice as a first attempt, an execution was left unfinished, or
a slot is not accounted for. Only loopback addresses are used.

    python3 cluster/chaos.py --quick                      # 3 nodes, about 3 minutes (CI)
    python3 cluster/chaos.py --nodes 4 --minutes 30       # the soak in docs/BENCHMARKS.md
    python3 cluster/chaos.py --scenario handover          # 2 nodes; a third joins, then leaves
    python3 cluster/chaos.py --quick --database postgres://runhooks@127.0.0.1:5432/chaos   # on PostgreSQL
    python3 cluster/chaos.py --database URL --database-dir DIR   # and restart that server (scripts/postgres.sh)

The hand-over scenario replays the case of issue 10: no random faults; a node joins and later
leaves gracefully while slow deliveries are in flight. It also prints the longest silence of a
fast job whose shard never moved (target: no more than the 4 s lease; about 1 s when healthy).
"""

import argparse
import http.server
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime


class Sink:
    """An HTTP target on loopback that records (job, slot, attempt, arrival) for every request."""

    def __init__(self, slow_seconds):
        self.lock = threading.Lock()
        self.deliveries = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with sink.lock:
                    sink.deliveries.append(
                        (self.headers.get("Runhooks-Job-Id", ""), self.headers.get("Runhooks-Scheduled-At", ""),
                         self.headers.get("Runhooks-Attempt", ""), time.time(), self.path))
                if self.path == "/slow":
                    time.sleep(slow_seconds)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.deliveries)


class Node:
    def __init__(self, cluster, name):
        self.cluster = cluster
        self.name = name
        self.directory = os.path.join(cluster.directory, name)
        self.process = None
        self.api = None
        self.frozen = False

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, seeds):
        os.makedirs(self.directory, exist_ok=True)
        log_path = os.path.join(self.directory, "log")
        offset = len(read(log_path))
        log = open(log_path, "a")
        arguments = [
            self.cluster.binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", self.directory,
            "--database", self.cluster.database_url, "--node-id", self.name, "--cluster-port", "0",
            "--allow-private-targets", "--rate-limits", "off", "--log-level", "info",
        ]
        if seeds:
            arguments += ["--join", ",".join(seeds)]
        environment = dict(os.environ, RUNHOOKS_CLUSTER_KEY=self.cluster.key)
        self.process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT, env=environment)
        self.frozen = False
        deadline = time.time() + 30
        while time.time() < deadline:
            match = re.search(r"runhooks listening on (http://\S+)", read(log_path)[offset:])
            if match and self.running:
                self.api = match.group(1).rstrip("/") + "/api/v1"
                try:
                    request("GET", self.api + "/health")
                    return
                except OSError:
                    pass
            if not self.running:
                raise SystemExit(f"{self.name} exited at start; see {self.directory}/log")
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not answer within 30 s; see {self.directory}/log")

    def gossip_address(self):
        status, body = request("GET", self.api + "/health")
        for member in body.get("data", {}).get("cluster", {}).get("members", []):
            if member.get("id") == self.name:
                return member.get("gossipAddress")
        return None

    def signal(self, number):
        if self.running:
            self.process.send_signal(number)

    def stop(self, timeout=60):
        if not self.running:
            return
        if self.frozen:
            self.signal(signal.SIGCONT)
            self.frozen = False
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self):
        if self.running:
            self.process.kill()
            self.process.wait()
        self.frozen = False


def read(path):
    try:
        with open(path, errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def request(method, url, body=None, key=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Cluster:
    def __init__(self, arguments):
        self.binary = arguments.binary
        self.directory = tempfile.mkdtemp(prefix="runhooks-chaos-")
        self.database = os.path.join(self.directory, "runhooks.sqlite")
        # A PostgreSQL database (empty, made for this run) instead of the shared SQLite file.
        self.postgres = arguments.database
        self.database_url = self.postgres or f"sqlite:{self.database}"
        self.key = secrets.token_hex(32)
        self.nodes = []
        self.added = 0

    def query(self, sql):
        """Rows of `sql` from the nodes' store, numbers as ints."""
        def value(text):
            return int(text) if text.lstrip("-").isdigit() else text
        if not self.postgres:
            return sqlite3.connect(self.database).execute(sql).fetchall()
        output = subprocess.run(["psql", self.postgres, "-qAtF", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
        return [tuple(value(field) for field in line.split("\t")) for line in output.splitlines() if line]

    def live(self):
        return [node for node in self.nodes if node.running and not node.frozen]

    def seeds(self, excluding):
        addresses = []
        for node in self.live():
            if node is not excluding:
                address = node.gossip_address()
                if address:
                    addresses.append(address)
        return addresses

    def add(self):
        self.added += 1
        node = Node(self, f"n{self.added}")
        self.nodes.append(node)
        node.start(self.seeds(node))
        return node

    def restart(self, node):
        node.start(self.seeds(node))


def fnv1a64(text):
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def shard_owners(cluster):
    for node in cluster.live():
        try:
            return request("GET", node.api + "/health")[1]["data"]["cluster"]["shardOwners"]
        except (OSError, KeyError):
            continue
    return []


def log(message):
    print(f"{datetime.now().strftime('%H:%M:%S')} {message}", flush=True)


def settle(cluster, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            views = [request("GET", node.api + "/health")[1]["data"]["cluster"] for node in cluster.live()]
            running = [shard for view in views for shard in view.get("runningShards", [])]
            if views and len(running) == len(set(running)) == len(views[0].get("shardOwners", [])):
                return True
        except (OSError, KeyError):
            pass
        time.sleep(0.5)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=None, help="runhooks executable (default: .build/release, else .build/debug)")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--tenants", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--slow-seconds", type=float, default=8)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="3 nodes, 8 tenants, 2 minutes of chaos (for CI)")
    parser.add_argument("--scenario", choices=["chaos", "handover"], default="chaos")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--database", default=None,
                        help="an empty PostgreSQL database (postgres://…) for the nodes to share instead of SQLite; needs psql")
    parser.add_argument("--database-dir", default=None,
                        help="the directory of the scripts/postgres.sh server behind --database: adds a fault, "
                             "the database restarting (every connection cut, or as after a crash)")
    arguments = parser.parse_args()
    if arguments.database_dir and not arguments.database:
        raise SystemExit("--database-dir needs --database (the URL of that server's database)")
    if arguments.quick:
        arguments.nodes, arguments.tenants, arguments.minutes = 3, 8, 2
    if arguments.scenario == "handover":
        arguments.nodes, arguments.tenants = 2, 16
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if arguments.binary is None:
        for flavour in ("release", "debug"):
            candidate = os.path.join(root, ".build", flavour, "runhooks")
            if os.path.exists(candidate):
                arguments.binary = candidate
                break
    if not arguments.binary or not os.path.exists(arguments.binary):
        raise SystemExit("no runhooks binary: run 'swift build' (or pass --binary)")
    seed = arguments.seed if arguments.seed is not None else random.randrange(1 << 30)
    chance = random.Random(seed)

    sink = Sink(arguments.slow_seconds)
    cluster = Cluster(arguments)
    log(f"chaos seed {seed}; {arguments.nodes} nodes, {arguments.tenants} tenants, {arguments.minutes} min; "
        f"data in {cluster.directory}; binary {arguments.binary}")
    exit_code = 1
    try:
        if arguments.database_dir:
            # The server may run with synchronous_commit off (scripts/postgres.sh's default): then a
            # crash loses the commits of its last moments, claims of slots already sent among them.
            name = cluster.query("SELECT current_database()")[0][0]
            cluster.query(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
            log(f"database {name}: synchronous_commit on, so that a crash of the server loses no acknowledged commit")
        for _ in range(arguments.nodes):
            cluster.add()
        if not settle(cluster, 60):
            raise SystemExit("the cluster did not settle at start")
        jobs = []
        for index in range(arguments.tenants):
            api = chance.choice(cluster.live()).api
            status, registered = request("POST", api + "/auth/register-anonymous", {"name": f"tenant {index}"})
            key, user = registered["data"]["apiKey"], registered["data"]["user"]["id"]
            subprocess.run([arguments.binary, "admin", "set-plan", user, "growth", "--database", cluster.database_url],
                           check=True, capture_output=True)
            for kind in ("fast", "slow"):
                body = {"name": f"{kind} {index}", "schedule": {"type": "interval", "expression": "1000"},
                        "httpConfig": {"url": f"http://127.0.0.1:{sink.port}/{kind}", "method": "POST", "timeoutMs": 30000}}
                for attempt in range(20):
                    status, created = request("POST", chance.choice(cluster.live()).api + "/jobs", body, key=key)
                    if status == 201:
                        jobs.append((created["data"]["id"], kind, user))
                        break
                    time.sleep(0.5)
                else:
                    raise SystemExit(f"could not create a job: {status} {created}")
        log(f"{len(jobs)} jobs firing every second")

        end = time.time() + arguments.minutes * 60
        actions = Counter()
        tables = [shard_owners(cluster)]
        watch_from = time.time()
        if arguments.scenario == "handover":
            time.sleep(20)
            joined = cluster.add()
            log(f"{joined.name} joined")
            settle(cluster, 60)
            tables.append(shard_owners(cluster))
            time.sleep(30)
            log(f"{joined.name} leaving gracefully")
            joined.stop()
            log(f"{joined.name} left")
            settle(cluster, 60)
            tables.append(shard_owners(cluster))
            time.sleep(20)
            end = time.time()
        while time.time() < end:
            time.sleep(chance.uniform(4, 10))
            live = cluster.live()
            for node in cluster.nodes:  # bring back what an earlier round took away
                if not node.running and chance.random() < 0.6:
                    cluster.restart(node)
                    log(f"restarted {node.name}")
                elif node.frozen and chance.random() < 0.7:
                    node.signal(signal.SIGCONT)
                    node.frozen = False
                    log(f"thawed {node.name}")
            live = cluster.live()
            if len(live) < 2:
                continue
            choices = ["kill", "freeze", "stop"]
            if len(cluster.nodes) < arguments.nodes + 2:
                choices.append("add")
            if arguments.database_dir:
                choices.append("restart database")
            action = chance.choice(choices)
            victim = chance.choice(live)
            actions[action] += 1
            if action == "kill":
                victim.kill()
                log(f"kill -9 {victim.name}")
            elif action == "freeze":
                victim.signal(signal.SIGSTOP)
                victim.frozen = True
                log(f"froze {victim.name}")
            elif action == "stop":
                log(f"stopping {victim.name} gracefully")
                victim.stop()
                log(f"stopped {victim.name}")
            elif action == "add":
                node = cluster.add()
                log(f"added {node.name}")
            else:
                mode = chance.choice(["fast", "immediate"])
                log(f"restarting the database ({mode})")
                subprocess.run([os.path.join(root, "scripts", "postgres.sh"), "restart", arguments.database_dir, mode],
                               check=True, capture_output=True)
                log("the database is back")

        watch_until = time.time()
        log("chaos over: bringing every node back")
        for node in cluster.nodes:
            if node.frozen:
                node.signal(signal.SIGCONT)
                node.frozen = False
            if not node.running:
                cluster.restart(node)
        settle(cluster, 60)
        time.sleep(arguments.slow_seconds + 5)  # slots before the end get their deliveries
        cutoff_ms = int(time.time() * 1000) - 3000
        log("stopping every node gracefully")
        for node in cluster.nodes:
            node.stop()

        deliveries = sink.snapshot()
        anchors = dict(cluster.query("SELECT id, anchor_at FROM jobs"))
        executions = cluster.query(
            "SELECT job_id, scheduled_for, attempt, status, missed_slots FROM executions WHERE replay_of IS NULL")
        unfinished = sum(1 for row in executions if row[3] in ("pending", "running"))
        claimed = defaultdict(set)
        missed = 0
        for job_id, slot, attempt, status, missed_slots in executions:
            if attempt == 1 and slot <= cutoff_ms:
                claimed[job_id].add(slot)
                missed += missed_slots
        expected = 0
        unaccounted = 0
        for job_id, kind, _ in jobs:
            anchor = anchors[job_id]
            slots = range(anchor + 1000, cutoff_ms + 1, 1000)
            expected += len(slots)
            job_missed = sum(row[4] for row in executions if row[0] == job_id and row[2] == 1 and row[1] <= cutoff_ms)
            unaccounted += max(0, len(slots) - len(claimed[job_id]) - job_missed)
        first = Counter((job, slot) for job, slot, attempt, _, _ in deliveries if attempt == "1")
        doubled = sum(1 for count in first.values() if count > 1)
        fast = {job for job, kind, _ in jobs if kind == "fast"}
        arrivals = defaultdict(list)
        for job, _, _, arrived, _ in deliveries:
            if job in fast and watch_from <= arrived <= watch_until:
                arrivals[job].append(arrived)

        def gaps(selected):
            return [(b - a, a, job) for job in selected for a, b in zip(sorted(arrivals[job]), sorted(arrivals[job])[1:])]

        def longest(selected):
            return max((gap for gap, _, _ in gaps(selected)), default=0)

        silence = longest(fast)
        shard_count = len(tables[0]) or 64
        unmoved = {s for s in range(shard_count) if len({tuple(t[s:s + 1]) for t in tables if t}) == 1}
        stayed = {job for job, kind, user in jobs if kind == "fast" and fnv1a64(user) % shard_count in unmoved}

        print()
        print(f"actions               {dict(actions)}")
        print(f"slots expected        {expected}")
        print(f"sent                  {len(first)}")
        print(f"sent twice            {doubled}")
        print(f"missed (recorded)     {missed}")
        print(f"not accounted         {unaccounted}")
        print(f"unfinished            {unfinished}")
        if unfinished:
            # Which runs, and whether they are still unfinished a little later (a write that
            # commits after its node exited would show here as finished).
            for row in cluster.query(
                    "SELECT id, job_id, status, scheduled_for, attempt, created_at, started_at FROM executions "
                    "WHERE status IN ('pending', 'running') ORDER BY created_at"):
                print(f"  unfinished: {' '.join(str(value) for value in row)}")
            time.sleep(5)
            left = cluster.query("SELECT count(*) FROM executions WHERE status IN ('pending', 'running')")
            print(f"  still unfinished 5 s later: {left[0][0]}")
        print(f"longest silence       {silence:.1f} s (a fast job, between two deliveries)")
        if len(tables) > 1:
            print(f"  ... shard never moved {longest(stayed):.1f} s ({len(stayed)} fast jobs on {len(unmoved)} unmoved shards)")
            for gap, start, job in sorted(gaps(stayed), reverse=True)[:3]:
                print(f"      {gap:.1f} s from {datetime.fromtimestamp(start).strftime('%H:%M:%S.%f')[:-3]} (job {job})")
        exit_code = 0 if doubled == 0 and unfinished == 0 and unaccounted == 0 else 1
        print("chaos: " + ("passed" if exit_code == 0 else "FAILED") + f" (seed {seed})")
    finally:
        for node in cluster.nodes:
            node.kill()
        sink.server.shutdown()
        if exit_code == 0 and not arguments.keep:
            shutil.rmtree(cluster.directory, ignore_errors=True)
        else:
            print(f"data kept in {cluster.directory}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
