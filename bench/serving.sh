#!/usr/bin/env bash
# Overload and connection abuse against one instance of the main job with a
# slow handler (bench/serving_server.rs), driven by bench/serving_load.rs; the
# figures of bench/README.md, "Serving a fleet".
#
#   bench/serving.sh overload      2,000 connections posting a 1 s blocking
#                                  event, 4 posting a fast one (20 s)
#   bench/serving.sh abuse         5,000 idle connections, 1,000 slowloris,
#                                  100 slow bodies, 4 fast clients (40 s)
#   bench/serving.sh descriptors   the server limited to 1,024 descriptors,
#                                  1,500 connections held (10 s)
#   bench/serving.sh all           the three, in turn
#
# Loopback only, every run bounded in time; the server runs at the main
# job's defaults (deadline 10 s, 128 blocking handlers and 128 queued,
# header read timeout 10 s, body read timeout 30 s, idle timeout 75 s).
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
cargo build --release --example bench_serving_server --example bench_serving_load
target="${CARGO_TARGET_DIR:-target}/release/examples"
# the clients hold up to 6,100 connections, the server as many
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

log=$(mktemp)
server=""
cleanup() {
    if [ -n "$server" ]; then
        kill -KILL "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server [descriptor limit]
start_server() {
    port=$(free_port)
    : >"$log"
    if [ -n "${1:-}" ]; then
        (ulimit -n "$1" && exec env EVENTS_PORT="$port" "$target/bench_serving_server") >>"$log" 2>&1 &
    else
        EVENTS_PORT="$port" "$target/bench_serving_server" >>"$log" 2>&1 &
    fi
    server=$!
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/health/ready"; then
            return 0
        fi
        sleep 0.1
    done
    echo "the server did not start" >&2
    cat "$log" >&2
    return 1
}

stop_server() {
    kill -KILL "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
    echo "-- the server's log ($(wc -l <"$log") lines), by message:"
    sed -E 's/^[^ ]+ +//; s/ [a-z_]+=[^ ]+//g' "$log" | sort | uniq -c | sort -rn | head -10
}

run() {
    case "$1" in
        overload)
            start_server
            "$target/bench_serving_load" overload "127.0.0.1:$port" "$server" 2000 20
            stop_server
            ;;
        abuse)
            start_server
            "$target/bench_serving_load" abuse "127.0.0.1:$port" "$server" 5000 1000 100 40
            stop_server
            ;;
        descriptors)
            start_server 1024
            "$target/bench_serving_load" descriptors "127.0.0.1:$port" "$server" 1500 10
            stop_server
            ;;
        *)
            echo "unknown run $1: overload, abuse, descriptors or all" >&2
            exit 2
            ;;
    esac
}

if [ "$what" = all ]; then
    for one in overload abuse descriptors; do
        run "$one"
        echo
    done
else
    run "$what"
fi
