#!/usr/bin/env python3
"""A Runhooks cluster across hosts, on one Linux machine: three nodes in three network
namespaces, each with its own address and link, PostgreSQL and a counting sink on the bridge
that joins them. Needs root (or CAP_NET_ADMIN), iproute2 and PostgreSQL (scripts/postgres.sh
installs it). Each run takes a /24 of its own from 198.18.0.0/15, the range reserved for
benchmarking (198.18.N.0/24, the first N no route on this machine uses):

    bridge rhbrXXXX 198.18.N.1  (PostgreSQL, the sink, this script)
      ├─ veth ─ netns rhXXXX-n1  198.18.N.11  runhooks serve (starts the cluster)
      ├─ veth ─ netns rhXXXX-n2  198.18.N.12  runhooks serve --join 198.18.N.11:7946
      └─ veth ─ netns rhXXXX-n3  198.18.N.13  runhooks serve --join 198.18.N.11:7946

A run that was killed before it could clean up (SIGKILL, a machine's session ending) leaves its
bridge and namespaces behind; the next run removes every topology whose owning process is gone
before it makes its own, so a leftover can never shadow the new run's routes.

Then it checks, counting every (job, slot, attempt) at the sink by the address it came from:
  1. a job created through one node fires on the node that owns its tenant, and every node
     serves it;
  2. a real partition: n3's link is taken down (it loses its peers and the database); its
     tenants' jobs fire from the others within the lease time (plus detection), n3 sends
     nothing for slots after its leases ran out, and n3 rejoins and fires again once its link
     is back;
  3. kill -9 of n2: no job is lost (every job is still served and fires again);
  4. throughout: no (job, slot) reaches the sink twice as a first attempt.

    python3 cluster/netns.py [--binary .build/debug/runhooks] [--keep]

Exits 0 when every check holds, 1 when one fails, 77 when this machine cannot make network
namespaces (the reason is printed).
"""

import argparse
import fcntl
import http.server
import ipaddress
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone

from chaos import fnv1a64, log, request  # the same helpers as the chaos soak beside this file

BENCHMARKING_RANGE = ipaddress.ip_network("198.18.0.0/15")
LEASE_SECONDS = 4
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Which process owns each topology (one file per tag, holding its pid), and the lock that makes
# "find a free subnet, sweep the abandoned, create ours" one step between concurrent runs.
OWNERS = "/run/runhooks-netns"


def run(*command, check=True, quiet=False):
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {result.stderr.strip() or result.stdout.strip()}")
    if not quiet and result.returncode != 0:
        log(f"(ignored) {' '.join(command)}: {result.stderr.strip()}")
    return result


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


class Sink:
    """Records (job, slot, attempt, source address, arrival) for every delivery."""

    def __init__(self, host):
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
                         self.headers.get("Runhooks-Attempt", ""), self.client_address[0], time.time()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.deliveries)

    def first_attempts(self):
        return [d for d in self.snapshot() if d[2] == "1"]


class Topology:
    """A bridge and one namespace per node, each joined to the bridge by a veth pair."""

    def __init__(self, tag, count, subnet=None):
        self.tag = tag
        self.bridge = f"rhbr{tag}"
        self.names = [f"n{index}" for index in range(1, count + 1)]
        self.subnet = subnet

    @property
    def bridge_address(self):
        return str(self.subnet.network_address + 1)

    def namespace(self, name):
        return f"rh{self.tag}-{name}"

    def host_end(self, name):
        return f"rh{self.tag}{name}h"

    def address(self, name):
        return str(self.subnet.network_address + 10 + int(name[1:]))

    def create(self):
        run("ip", "link", "add", self.bridge, "type", "bridge")
        run("ip", "addr", "add", f"{self.bridge_address}/{self.subnet.prefixlen}", "dev", self.bridge)
        run("ip", "link", "set", self.bridge, "up")
        for name in self.names:
            namespace = self.namespace(name)
            inside = f"rh{self.tag}{name}i"
            run("ip", "netns", "add", namespace)
            run("ip", "link", "add", self.host_end(name), "type", "veth", "peer", "name", inside)
            run("ip", "link", "set", inside, "netns", namespace)
            run("ip", "link", "set", self.host_end(name), "master", self.bridge)
            run("ip", "link", "set", self.host_end(name), "up")
            run("ip", "netns", "exec", namespace, "ip", "addr", "add", f"{self.address(name)}/24", "dev", inside)
            run("ip", "netns", "exec", namespace, "ip", "link", "set", inside, "up")
            run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up")

    def cut(self, name):
        run("ip", "link", "set", self.host_end(name), "down")

    def heal(self, name):
        run("ip", "link", "set", self.host_end(name), "up")

    def destroy(self):
        for name in self.names:
            namespace = self.namespace(name)
            # A killed run's servers may still be running inside; a namespace is only gone once
            # nothing holds it.
            pids = run("ip", "netns", "pids", namespace, check=False, quiet=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run("ip", "netns", "del", namespace, check=False, quiet=True)
            run("ip", "link", "del", self.host_end(name), check=False, quiet=True)
        run("ip", "link", "del", self.bridge, check=False, quiet=True)
        try:
            os.remove(os.path.join(OWNERS, self.tag))
        except FileNotFoundError:
            pass


def owner_alive(tag):
    try:
        with open(os.path.join(OWNERS, tag)) as file:
            pid = int(file.read().strip())
        os.kill(pid, 0)
        return True
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True


def sweep_abandoned(count):
    """Removes every topology left by a run whose process is gone; returns their tags."""
    links = run("ip", "-o", "link", "show", "type", "bridge").stdout
    tags = [line.split(":")[1].strip().split("@")[0][len("rhbr"):] for line in links.splitlines()
            if line.split(":")[1].strip().startswith("rhbr")]
    abandoned = [tag for tag in tags if not owner_alive(tag)]
    for tag in abandoned:
        Topology(tag, count).destroy()
    return abandoned


def free_subnet():
    routes = run("ip", "-o", "-4", "route", "show", "table", "all").stdout
    used = []
    for line in routes.split("\n"):
        for word in line.split():
            try:
                used.append(ipaddress.ip_network(word, strict=False))
                break
            except ValueError:
                continue
    for subnet in BENCHMARKING_RANGE.subnets(new_prefix=24):
        if not any(subnet.overlaps(network) for network in used if network.prefixlen > 0):
            return subnet
    raise RuntimeError("no free /24 left in 198.18.0.0/15")


def claim_topology(tag, count):
    """Sweeps abandoned topologies, then creates this run's on a subnet nothing else routes."""
    os.makedirs(OWNERS, exist_ok=True)
    with open(os.path.join(OWNERS, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        abandoned = sweep_abandoned(count)
        if abandoned:
            log(f"removed {len(abandoned)} topology(ies) left by killed runs: {', '.join('rhbr' + t for t in abandoned)}")
        topology = Topology(tag, count, free_subnet())
        with open(os.path.join(OWNERS, tag), "w") as file:
            file.write(str(os.getpid()))
        topology.create()
        return topology


class Node:
    def __init__(self, topology, name, directory, binary, database, key):
        self.topology = topology
        self.name = name
        self.address = topology.address(name)
        self.api = f"http://{self.address}:8080/api/v1"
        self.directory = os.path.join(directory, name)
        self.binary = binary
        self.database = database
        self.key = key
        self.process = None

    def start(self, seed=None):
        os.makedirs(self.directory, exist_ok=True)
        command = [
            "ip", "netns", "exec", self.topology.namespace(self.name), self.binary, "serve",
            "--host", self.address, "--port", "8080", "--data-dir", self.directory,
            "--database", self.database, "--node-id", self.name, "--cluster-host", self.address,
            "--cluster-port", "7946", "--cluster-key", self.key, "--allow-private-targets", "--rate-limits", "off",
        ]
        if seed:
            command += ["--join", f"{seed}:7946"]
        log_file = open(os.path.join(self.directory, "server.log"), "a")
        self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if request("GET", self.api + "/health", timeout=1)[0] in (200, 503):
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.directory}/server.log, which ends:\n{self.log_tail()}")
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} never answered")

    def log_tail(self, lines=15):
        try:
            with open(os.path.join(self.directory, "server.log"), errors="replace") as file:
                return "".join(file.readlines()[-lines:])
        except OSError as error:
            return f"(unreadable: {error})"

    def view(self, timeout=2):
        return request("GET", self.api + "/health", timeout=timeout)[1]["data"]["cluster"]

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, condition, message):
        log(("ok    " if condition else "FAIL  ") + message)
        if not condition:
            self.failures.append(message)


def wait_until(predicate, seconds, step=0.25):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except (OSError, KeyError, TypeError, ValueError):
            pass
        time.sleep(step)
    return False


def settled(nodes):
    views = [node.view() for node in nodes]
    alive = [{m["id"] for m in view["members"] if m.get("status") == "alive"} for view in views]
    running = [shard for view in views for shard in view.get("runningShards", [])]
    names = {node.name for node in nodes}
    return all(a == names for a in alive) and len(running) == len(set(running)) == len(views[0]["shardOwners"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=None, help="runhooks executable (default: .build/debug, else .build/release)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (logs) afterwards")
    arguments = parser.parse_args()
    binary = arguments.binary or next(
        (path for path in (os.path.join(ROOT, ".build", kind, "runhooks") for kind in ("debug", "release"))
         if os.path.exists(path)), None)
    if not binary:
        print("no runhooks binary: run `swift build` or pass --binary")
        return 1
    if shutil.which("ip") is None:
        print("network namespaces unavailable: the `ip` command (iproute2) is not installed")
        return 77
    tag = secrets.token_hex(2)
    probe = f"rhprobe{tag}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        print("network namespaces unavailable: `ip netns add` needs root (CAP_NET_ADMIN/CAP_SYS_ADMIN)")
        return 77
    run("ip", "netns", "del", probe)

    directory = tempfile.mkdtemp(prefix="runhooks-netns-")
    os.chmod(directory, 0o755)
    topology = Topology(tag, 3)
    nodes = []
    # SIGTERM (a test runner giving up) unwinds through `finally`, which takes the topology down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pg_directory = os.path.join(directory, "postgres")
    checks = Checks()
    try:
        topology = claim_topology(tag, 3)
        bridge_address = topology.bridge_address
        log(f"bridge {topology.bridge} {bridge_address}; nodes at {', '.join(topology.address(n) for n in topology.names)}")
        environment = dict(os.environ, PG_LISTEN=f"127.0.0.1,{bridge_address}", PG_ALLOW_NET=str(topology.subnet))
        # `auto`: a free port below the kernel's ephemeral range, tried again if taken meanwhile.
        started = subprocess.run(
            [os.path.join(ROOT, "scripts", "postgres.sh"), "start", pg_directory, "auto"],
            capture_output=True, text=True, env=environment)
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}")
        with open(os.path.join(pg_directory, "port")) as port_file:
            port = int(port_file.read().strip())
        database = f"postgres://runhooks:runhooks@{bridge_address}:{port}/runhooks?sslmode=disable"
        log(f"PostgreSQL at {bridge_address}:{port}")
        sink = Sink(bridge_address)
        key = secrets.token_hex(32)
        nodes = [Node(topology, name, directory, binary, database, key) for name in topology.names]
        nodes[0].start()
        for node in nodes[1:]:
            node.start(seed=nodes[0].address)
        checks.expect(wait_until(lambda: settled(nodes), 60), "three nodes on three hosts form one cluster")
        shard_count = len(nodes[0].view()["shardOwners"])

        def owner(user_id, viewer=nodes[0]):
            return viewer.view()["shardOwners"][fnv1a64(user_id) % shard_count]

        # 1. Tenants on every node; their jobs fire on their owner, and every node serves them.
        tenants = []  # (key, user id, job id, owner)
        wanted = Counter()
        for _ in range(200):
            if all(wanted[n.name] >= 2 for n in nodes):
                break
            status, registered = request("POST", nodes[0].api + "/auth/register-anonymous", {"name": "netns"})
            data = registered["data"]
            user_owner = owner(data["user"]["id"])
            if wanted[user_owner] >= 2:
                continue
            status, created = request("POST", nodes[0].api + "/jobs", {
                "name": f"tick-{len(tenants)}", "schedule": {"type": "interval", "expression": "1000"},
                "httpConfig": {"url": f"{sink.url}/tick", "method": "POST"},
            }, key=data["apiKey"])
            if status != 201:
                raise RuntimeError(f"job not created: {status} {created}")
            tenants.append((data["apiKey"], data["user"]["id"], created["data"]["id"], user_owner))
            wanted[user_owner] += 1
        log(f"{len(tenants)} tenants, owners {dict(wanted)}")
        by_address = {node.address: node.name for node in nodes}
        checks.expect(wait_until(lambda: {d[0] for d in sink.first_attempts()} >= {t[2] for t in tenants}, 20),
                      "every job fires")
        time.sleep(3)
        fired_by = defaultdict(set)
        for job, _, _, source, _ in sink.first_attempts():
            fired_by[job].add(by_address.get(source, source))
        checks.expect(all(fired_by[job] == {job_owner} for _, _, job, job_owner in tenants),
                      "each job fires only from the node that owns its tenant")
        served = all(request("GET", f"{node.api}/jobs/{job}", key=key)[0] == 200
                     for node in nodes for key, _, job, _ in tenants)
        checks.expect(served, "every node serves every job (through its gateway)")

        # 2. A real partition of n3: it loses its peers and the database.
        cut_node = nodes[2]
        cut_jobs = {job for _, _, job, job_owner in tenants if job_owner == cut_node.name}
        topology.cut(cut_node.name)
        cut_at = time.time()
        log(f"{cut_node.name}'s link is down")

        def moved():
            recent = [d for d in sink.first_attempts() if d[4] > cut_at and d[0] in cut_jobs]
            return {d[0] for d in recent if by_address.get(d[3]) != cut_node.name} == cut_jobs

        checks.expect(wait_until(moved, 30), f"{cut_node.name}'s jobs fire from the other nodes")
        took = min(
            (d[4] for d in sink.first_attempts() if d[4] > cut_at and d[0] in cut_jobs
             and by_address.get(d[3]) != cut_node.name), default=cut_at + 999) - cut_at
        log(f"{cut_node.name}'s shards moved; its jobs fired again {took:.1f} s after the cut (lease {LEASE_SECONDS} s)")
        checks.expect(took <= LEASE_SECONDS + 4, f"they move within the lease time plus detection ({took:.1f} s)")
        time.sleep(6)
        topology.heal(cut_node.name)
        healed_at = time.time()
        log(f"{cut_node.name}'s link is back")

        def rejoined():
            views = [node.view() for node in nodes]
            alive = all({m["id"] for m in v["members"] if m.get("status") == "alive"} == set(topology.names) for v in views)
            return alive and len(cut_node.view().get("runningShards", [])) > 0

        checks.expect(wait_until(rejoined, 60), f"{cut_node.name} rejoins and runs shards again")
        checks.expect(wait_until(lambda: any(by_address.get(d[3]) == cut_node.name and d[4] > healed_at + 1
                                             for d in sink.first_attempts()), 30),
                      f"{cut_node.name} fires again after rejoining")
        fenced_out = [d for d in sink.first_attempts()
                      if by_address.get(d[3]) == cut_node.name and d[1]
                      and cut_at + LEASE_SECONDS + 0.5 < parse_time(d[1]) < healed_at]
        checks.expect(not fenced_out,
                      f"{cut_node.name} sent nothing for slots after its leases ran out ({len(fenced_out)} sent)")

        # 3. kill -9 of n2 loses no job.
        checks.expect(wait_until(lambda: settled(nodes), 60), "the cluster settles again")
        victim = nodes[1]
        victim.kill()
        killed_at = time.time()
        log(f"{victim.name} killed (-9)")
        survivors = [nodes[0], nodes[2]]
        all_jobs = {job for _, _, job, _ in tenants}
        checks.expect(wait_until(lambda: {d[0] for d in sink.first_attempts() if d[4] > killed_at + 1} == all_jobs, 40),
                      "after kill -9 every job fires again")
        served = all(request("GET", f"{node.api}/jobs/{job}", key=key)[0] == 200
                     for node in survivors for key, _, job, _ in tenants)
        checks.expect(served, "every job is still there, through every surviving node")

        # 4. No slot twice as a first attempt, over the whole run.
        for node in survivors:
            node.stop()
        time.sleep(0.5)
        slots = Counter((d[0], d[1]) for d in sink.first_attempts())
        doubled = [slot for slot, count in slots.items() if count > 1]
        log(f"{len(slots)} (job, slot) first attempts at the sink")
        checks.expect(not doubled, f"no (job, slot) sent twice as a first attempt ({len(doubled)} doubled)")
    except Exception as error:  # noqa: BLE001 - any setup failure is a failed run, reported plainly
        checks.failures.append(str(error))
        log(f"FAIL  {error}")
    finally:
        for node in nodes:
            try:
                node.stop()
            except Exception:  # noqa: BLE001
                pass
        subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", pg_directory], capture_output=True)
        topology.destroy()
        if arguments.keep or checks.failures:
            log(f"logs kept in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    if checks.failures:
        print(f"\n{len(checks.failures)} check(s) failed")
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
