#!/usr/bin/env bash
# Runs a Runhooks cluster on this machine: N `runhooks serve` nodes on loopback, each with its
# own data directory, HTTP port and gossip port, all sharing one store: a SQLite file, or with
# --postgres a throwaway PostgreSQL server (Debian's package, installed when missing).
#
#   cluster/local.sh up N        start nodes 1..N (node 1 starts the cluster, the others join)
#   cluster/local.sh up N --postgres   the same on a local PostgreSQL (started in the cluster
#                                directory on 127.0.0.1:PG_PORT, default 54330; `down` stops it)
#   cluster/local.sh add         start one more node that joins the running ones
#   cluster/local.sh start K     start node K again (after stop or kill)
#   cluster/local.sh stop K      graceful leave (SIGTERM): node K hands its shards over, then exits
#   cluster/local.sh kill K      kill -9 node K (its shards move when their leases expire)
#   cluster/local.sh status      members, states and shard counts, as node views them
#   cluster/local.sh down        stop every node, and the local PostgreSQL (data is kept;
#                                `clean` removes it)
#   cluster/local.sh clean       remove the cluster's data directory
#
# Environment: RUNHOOKS_CLUSTER_DIR (default ./cluster-data), RUNHOOKS_BIN (default: the
# release build, made if missing), HTTP_BASE_PORT (8081), GOSSIP_BASE_PORT (7947); any other
# RUNHOOKS_* variable (say RUNHOOKS_ALLOW_PRIVATE_TARGETS=1) reaches every node.
set -euo pipefail

DIR="${RUNHOOKS_CLUSTER_DIR:-./cluster-data}"
HTTP_BASE_PORT="${HTTP_BASE_PORT:-8081}"
GOSSIP_BASE_PORT="${GOSSIP_BASE_PORT:-7947}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

binary() {
    if [[ -n "${RUNHOOKS_BIN:-}" ]]; then echo "$RUNHOOKS_BIN"; return; fi
    if [[ ! -x "$ROOT/.build/release/runhooks" ]]; then
        echo "building runhooks (release)..." >&2
        (cd "$ROOT" && swift build -c release --product runhooks >&2)
    fi
    echo "$ROOT/.build/release/runhooks"
}

PG_PORT="${PG_PORT:-54330}"

# The store every node opens: the local PostgreSQL once `up --postgres` made it, else SQLite.
database_url() {
    if [[ -f "$DIR/postgres/port" ]]; then "$ROOT/scripts/postgres.sh" url "$DIR/postgres"; return; fi
    echo "sqlite:$DIR/runhooks.sqlite"
}

http_port() { echo $((HTTP_BASE_PORT + $1 - 1)); }
gossip_port() { echo $((GOSSIP_BASE_PORT + $1 - 1)); }
node_dir() { echo "$DIR/node$1"; }
pid_of() { cat "$(node_dir "$1")/pid" 2>/dev/null || true; }
is_running() { local pid; pid="$(pid_of "$1")"; [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }
known_nodes() { ls -d "$DIR"/node* 2>/dev/null | sed 's/.*node//' | sort -n; }

seeds_for() {
    local self="$1" seeds=() node
    for node in $(known_nodes); do
        if [[ "$node" != "$self" ]] && is_running "$node"; then seeds+=("127.0.0.1:$(gossip_port "$node")"); fi
    done
    local IFS=,; echo "${seeds[*]:-}"
}

# The gossip key every local node shares: RUNHOOKS_CLUSTER_KEY if set, else one made on
# first use and kept (mode 0600) in the cluster directory.
cluster_key() {
    if [[ -n "${RUNHOOKS_CLUSTER_KEY:-}" ]]; then echo "$RUNHOOKS_CLUSTER_KEY"; return; fi
    mkdir -p "$DIR"
    if [[ ! -s "$DIR/cluster.key" ]]; then
        (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/cluster.key")
    fi
    cat "$DIR/cluster.key"
}

start_node() {
    local node="$1" bin seeds dir
    if is_running "$node"; then echo "node$node is already running (pid $(pid_of "$node"))"; return; fi
    bin="$(binary)"
    dir="$(node_dir "$node")"
    mkdir -p "$dir"
    seeds="$(seeds_for "$node")"
    local args=(serve --host 127.0.0.1 --port "$(http_port "$node")" --data-dir "$dir"
        --database "$(database_url)" --node-id "node$node" --cluster-port "$(gossip_port "$node")")
    if [[ -n "$seeds" ]]; then args+=(--join "$seeds"); fi
    RUNHOOKS_CLUSTER_KEY="$(cluster_key)" nohup "$bin" "${args[@]}" >>"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 100); do
        if grep -q "runhooks listening on" "$dir/log" 2>/dev/null && curl -fs "http://127.0.0.1:$(http_port "$node")/api/v1/health" >/dev/null 2>&1; then
            echo "node$node up: http://127.0.0.1:$(http_port "$node") gossip 127.0.0.1:$(gossip_port "$node") pid $(pid_of "$node")${seeds:+ joined $seeds}"
            return
        fi
        if ! is_running "$node"; then echo "node$node failed to start; last log lines:" >&2; tail -5 "$dir/log" >&2; exit 1; fi
        sleep 0.1
    done
    echo "node$node did not answer within 10 s; see $dir/log" >&2
    exit 1
}

stop_node() {
    local node="$1" signal="$2" pid
    pid="$(pid_of "$node")"
    if ! is_running "$node"; then echo "node$node is not running"; return; fi
    kill "-$signal" "$pid"
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then echo "node$node stopped ($signal)"; rm -f "$(node_dir "$node")/pid"; return; fi
        sleep 0.1
    done
    echo "node$node still running 30 s after SIG$signal" >&2
    exit 1
}

status() {
    local node any=""
    for node in $(known_nodes); do
        if is_running "$node"; then
            echo "node$node  running  pid $(pid_of "$node")  http://127.0.0.1:$(http_port "$node")"
            any="${any:-$node}"
        else
            echo "node$node  stopped"
        fi
    done
    if [[ -n "$any" ]]; then
        echo
        "$(binary)" cluster status --api-url "http://127.0.0.1:$(http_port "$any")/api/v1"
    fi
}

command="${1:-}"
case "$command" in
    up)
        count="${2:?usage: local.sh up N [--postgres]}"
        mkdir -p "$DIR"
        if [[ "${3:-}" == "--postgres" ]]; then
            chmod 755 "$DIR"
            echo "PostgreSQL: $("$ROOT/scripts/postgres.sh" start "$DIR/postgres" "$PG_PORT")"
        fi
        for node in $(seq 1 "$count"); do start_node "$node"; done
        ;;
    add)
        mkdir -p "$DIR"
        last="$(known_nodes | tail -1)"
        start_node $(( ${last:-0} + 1 ))
        ;;
    start) start_node "${2:?usage: local.sh start K}" ;;
    stop) stop_node "${2:?usage: local.sh stop K}" TERM ;;
    kill) stop_node "${2:?usage: local.sh kill K}" KILL ;;
    status) status ;;
    down)
        for node in $(known_nodes); do stop_node "$node" TERM; done
        if [[ -f "$DIR/postgres/port" ]]; then "$ROOT/scripts/postgres.sh" stop "$DIR/postgres" && echo "PostgreSQL stopped"; fi
        ;;
    clean)
        for node in $(known_nodes); do if is_running "$node"; then echo "run 'down' first" >&2; exit 1; fi; done
        rm -rf "$DIR"
        ;;
    *)
        sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
