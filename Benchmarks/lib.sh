# Sourced by the benchmark scripts: an nginx sink on loopback that answers every request 204,
# and a server under a steady load of interval jobs.
#   start_nginx_sink DIR PORT   writes DIR/nginx/nginx.conf and starts nginx (installed when missing)
#   stop_nginx_sink DIR
#   start_api_server BIN PORT   a bare server and an account, for API benchmarks
start_nginx_sink() {
  local dir="$1" port="$2"
  command -v nginx >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq nginx-light; }
  mkdir -p "$dir/nginx"
  cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server { listen 127.0.0.1:$port backlog=4096; location / { return 204; } }
}
CONF
  nginx -c "$dir/nginx/nginx.conf"
}

stop_nginx_sink() {
  nginx -c "$1/nginx/nginx.conf" -s stop 2>/dev/null || true
}

# start_loaded_server BIN DATA SINK_URL DURATION: starts `BIN serve` on $PORT with its data in DATA,
# has runhooks-load ($LOAD) add $JOBS interval jobs firing every second at SINK_URL and hold them
# for DURATION seconds, and returns once the load holds. Sets `server` and `load` to their pids.
start_loaded_server() {
  local bin="$1" data="$2" sink="$3" duration="$4"
  "$bin" serve --port "$PORT" --data-dir "$data" --rate-limits off --allow-private-targets --log-level warning \
    >"$data.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
  "$LOAD" --api-url "http://127.0.0.1:$PORT/api/v1" --data-dir "$data" --runhooks "$bin" --jobs "$JOBS" \
    --duration "$duration" --keep-jobs --target-url "$sink" >"$data.load" 2>&1 &
  load=$!
  while ! grep -q 'holding the load' "$data.load" 2>/dev/null; do sleep 0.2; done
}

# start_api_server BIN PORT: starts `BIN serve` on PORT with a fresh data directory (DATA), waits
# until it answers, and creates an anonymous account. Sets `server`, DATA, API and KEY; on exit
# stops the server and removes DATA.
start_api_server() {
  local bin="$1" port="$2"
  DATA="$(mktemp -d /tmp/runhooks-api.XXXXXX)"
  "$bin" serve --port "$port" --data-dir "$DATA" --rate-limits off --log-level warning >"$DATA/log" 2>&1 &
  server=$!
  trap 'stop_server; rm -rf "$DATA"' EXIT
  API="http://127.0.0.1:$port/api/v1"
  for _ in $(seq 100); do curl -sf "$API/health" >/dev/null && break; sleep 0.1; done
  KEY=$(curl -s -X POST "$API/auth/register-anonymous" -H 'Content-Type: application/json' -d '{"name":"benchmark"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["apiKey"])')
}

# create_job JSON: creates a job of the account start_api_server made; prints its id.
create_job() {
  curl -s -X POST "$API/jobs" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])'
}

# stop_server: SIGTERM to $server (if set), and SIGKILL if it has not exited 20 s later, so the
# next run never finds the port taken.
stop_server() {
  [[ -n "${server:-}" ]] || return 0
  kill "$server" 2>/dev/null || return 0
  for _ in $(seq 200); do kill -0 "$server" 2>/dev/null || return 0; sleep 0.1; done
  echo "the server did not stop within 20 s of SIGTERM; killed" >&2
  kill -9 "$server" 2>/dev/null || true
}

# prepare_single_server_run NAME: builds the release server (unless BIN names one) and the load
# generator, makes WORK (/tmp/runhooks-NAME.*), starts the nginx sink on SINK_PORT, and on exit
# stops the sink, kills $server (if set) and removes WORK. Sets BIN, LOAD, WORK and server="".
prepare_single_server_run() {
  if [[ -z "${BIN:-}" ]]; then
    swift build -c release --product runhooks >&2
    BIN="$PWD/.build/release/runhooks"
  fi
  swift build -c release --product runhooks-load >&2
  LOAD="$PWD/.build/release/runhooks-load"
  WORK="$(mktemp -d "/tmp/runhooks-$1.XXXXXX")"
  start_nginx_sink "$WORK" "$SINK_PORT"
  server=""
  trap 'stop_server; stop_nginx_sink "$WORK"; rm -rf "$WORK"' EXIT
}
