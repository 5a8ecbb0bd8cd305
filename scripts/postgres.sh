#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, for tests and local clusters.
#
#   scripts/postgres.sh start DIR [PORT]   install PostgreSQL if missing (Debian's package), create a
#                                          cluster in DIR, start it on 127.0.0.1:PORT (default 54329;
#                                          `auto`: a free port from 20000-31999, below the kernel's
#                                          ephemeral range, tried again elsewhere if taken meanwhile),
#                                          print its URL (postgres://runhooks:runhooks@127.0.0.1:PORT/runhooks)
#   scripts/postgres.sh stop DIR           stop it (the data in DIR is kept; rm -rf DIR removes it)
#   scripts/postgres.sh restart DIR [MODE] restart it as a fault would: MODE `fast` (every connection
#                                          cut, default) or `immediate` (as after a crash: recovery on start)
#   scripts/postgres.sh url DIR            print the URL of the server in DIR
#
# Run as root, the server runs as the `postgres` user (initdb refuses root); otherwise as you.
# PG_LISTEN (default 127.0.0.1) sets the addresses it listens on; PG_ALLOW_NET (a CIDR, say
# 198.18.0.0/24) lets clients from that network in with the password (scram-sha-256).
# PG_OPTIONS replaces the default server options (no fsync: a throwaway server).
set -euo pipefail

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x "$dir/initdb" ]] && { echo "$dir"; return; }
    done
    return 1
}

install_postgres() {
    if ! find_bin >/dev/null; then
        [[ $(id -u) -eq 0 ]] || { echo "PostgreSQL is not installed; run: sudo apt-get install postgresql" >&2; exit 1; }
        echo "installing PostgreSQL (Debian's postgresql package)..." >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        # The package's own cluster is not used: this script runs its own, in DIR.
        apt-get install -y -qq postgresql >&2
        service postgresql stop >/dev/null 2>&1 || true
    fi
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local dir="$1" port="${2:-54329}" bin
    install_postgres
    bin="$(find_bin)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir"; fi
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if [[ -n "${PG_ALLOW_NET:-}" ]] && ! grep -q "$PG_ALLOW_NET" "$dir/data/pg_hba.conf"; then
        echo "host all all $PG_ALLOW_NET scram-sha-256" >>"$dir/data/pg_hba.conf"
    fi
    if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then url "$dir"; return; fi
    # TLS with a self-signed certificate, so that sslmode=require can be tested.
    local tls=""
    if command -v openssl >/dev/null; then
        if [[ ! -f "$dir/server.key" ]]; then
            openssl req -new -x509 -days 3650 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" \
                -out "$dir/server.crt" >/dev/null 2>&1
            chmod 600 "$dir/server.key"
            if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir/server.key" "$dir/server.crt"; fi
        fi
        tls="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    fi
    # Throwaway: no fsync (a test run, not data to keep) unless PG_OPTIONS says otherwise;
    # enough connections for parallel tests.
    local options="${PG_OPTIONS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}"
    local pick=false tries=1
    [[ "$port" == auto ]] && { pick=true; tries=10; }
    while true; do
        if $pick; then port=$((20000 + RANDOM % 12000)); fi
        echo "$port" >"$dir/port"
        local logged=0
        [[ -f "$dir/server.log" ]] && logged=$(wc -l <"$dir/server.log")
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
            -o "-c listen_addresses=${PG_LISTEN:-127.0.0.1} -p $port -k $dir -c max_connections=300 $tls $options" \
            >/dev/null; then
            # With several listen addresses, PostgreSQL starts when it can bind any one of them:
            # a port taken on one address is as taken as on all.
            tail -n +$((logged + 1)) "$dir/server.log" | grep -q "could not bind" || break
            as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
        fi
        tries=$((tries - 1))
        if [[ $tries -eq 0 ]] || ! tail -n +$((logged + 1)) "$dir/server.log" | grep -q "Address already in use"; then
            cat "$dir/server.log" >&2
            exit 1
        fi
        echo "port $port is taken; trying another" >&2
    done
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1 >/dev/null <<SQL
SELECT count(*) > 0 AS present FROM pg_roles WHERE rolname = 'runhooks'
\gset
\if :present
\else
CREATE ROLE runhooks LOGIN SUPERUSER PASSWORD 'runhooks';
CREATE DATABASE runhooks OWNER runhooks;
\endif
SQL
    url "$dir"
}

stop() {
    local dir="$1" bin
    bin="$(find_bin)"
    [[ -f "$dir/data/postmaster.pid" ]] || return 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

# pg_ctl restart starts the server again with the options of its last start (port, TLS).
restart() {
    local dir="$1" mode="${2:-fast}" bin
    bin="$(find_bin)"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m "$mode" -w -t 60 restart >/dev/null
}

url() {
    local dir="$1"
    echo "postgres://runhooks:runhooks@127.0.0.1:$(cat "$dir/port")/runhooks?sslmode=disable"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    restart) shift; restart "$@" ;;
    url) shift; url "$@" ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
esac
