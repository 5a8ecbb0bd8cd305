# Sourced by the benchmark scripts: an nginx sink on loopback that answers every request 204.
#   start_nginx_sink DIR PORT   writes DIR/nginx/nginx.conf and starts nginx (installed when missing)
#   stop_nginx_sink DIR
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
