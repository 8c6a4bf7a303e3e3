#!/usr/bin/env bash
# Replaces every instance of a fleet under load and counts what was lost.
#
# N instances of the main job (`examples/server.rs`, release build) behind
# nginx with deploy/nginx/events.conf, `wrk -t2 -c32` posting greeting:say
# through nginx, every answer checked to be the exact expected event
# (bench/load.lua); meanwhile each instance in turn is stopped with SIGTERM
# (it drains), started again, and waited for until /health/ready answers 200.
# Prints, per run, the requests, the non-2xx answers, the socket errors and
# the answers that were not the expected event, and exits non-zero if a
# drained run lost anything.
#
# With --crash, one instance is killed with SIGKILL instead (a crash, not a
# drain) and started again; the requests lost are then listed from nginx's
# log with the instance that was sending them and when, next to the moment
# of the kill.
#
# Loopback only; bounded: each run lasts --duration seconds (60 by default)
# plus a few seconds to start and stop. Installs nginx-light and wrk with
# apt-get when they are missing (Debian; needs root).
#
#   deploy/rolling_restart.sh                   one run of 60 s, 3 instances
#   deploy/rolling_restart.sh --runs 5          five runs in a row
#   deploy/rolling_restart.sh --crash           kill -9 of one instance
#   deploy/rolling_restart.sh --instances 4 --duration 90 --server-flags "--drain-window 5s"
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1
duration=60
instances=3
mode=drain
server_flags=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --instances) instances="$2"; shift 2 ;;
        --crash) mode=crash; shift ;;
        --server-flags) server_flags="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ "$duration" -gt 600 ]; then
    echo "--duration is at most 600 s" >&2
    exit 2
fi

if ! command -v nginx >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq nginx-light wrk curl >/dev/null
fi
cargo build --release --example server
binary="${CARGO_TARGET_DIR:-target}/release/examples/server"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
declare -a pids=()
nginx_pid=""
load_pid=""
cleanup() {
    for pid in "${pids[@]}" $load_pid; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ -n "$nginx_pid" ]; then
        kill -TERM "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
PY
}

now() { date +%s.%N; }

start_instance() { # index port
    RUST_LOG=warn,events_protocol::serve=info "$binary" --port "$2" $server_flags >>"$work/instance-$1.log" 2>&1 &
    pids[$1]=$!
}

wait_ready() { # port
    for _ in $(seq 1 200); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health/ready")" = 200 ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "instance on port $1 not ready after 10 s" >&2
    return 1
}

# nginx's configuration: a main file around deploy/nginx/events.conf, whose
# `server` lines and `listen` port are replaced by this run's
write_nginx_conf() { # nginx_port ports...
    local nginx_port=$1
    shift
    local upstreams=""
    for port in "$@"; do
        upstreams+="    server 127.0.0.1:$port max_fails=1 fail_timeout=2s;\n"
    done
    awk -v upstreams="$upstreams" -v listen="    listen 127.0.0.1:$nginx_port;" '
        /^[[:space:]]*server 127\.0\.0\.1:/ { next }
        /EVENTS_UPSTREAMS/ { print; printf "%s", upstreams; next }
        /^[[:space:]]*listen 127\.0\.0\.1:/ { print listen; next }
        { print }
    ' deploy/nginx/events.conf >"$work/events.conf"
    cat >"$work/nginx.conf" <<EOF
worker_processes 2;
error_log $work/error.log warn;
pid $work/nginx.pid;
events { worker_connections 8192; }
http {
    map \$status \$not_2xx { ~^2 0; default 1; }
    log_format lost '\$msec \$status upstream=\$upstream_addr upstream_status=\$upstream_status time=\$request_time';
    access_log $work/lost.log lost if=\$not_2xx;
    keepalive_requests 1000000;
    client_body_temp_path $work/client_body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    include $work/events.conf;
}
EOF
}

summary="$work/summary"
: >"$summary"
failed=0
for run in $(seq 1 "$runs"); do
    read -r -a ports <<<"$(free_ports $((instances + 1)))"
    nginx_port=${ports[0]}
    instance_ports=("${ports[@]:1}")
    rm -f "$work"/instance-*.log "$work/lost.log" "$work/error.log"
    for i in "${!instance_ports[@]}"; do
        start_instance "$i" "${instance_ports[$i]}"
    done
    for port in "${instance_ports[@]}"; do
        wait_ready "$port"
    done
    write_nginx_conf "$nginx_port" "${instance_ports[@]}"
    nginx -e "$work/error.log" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
    nginx_pid=$!
    url="http://127.0.0.1:$nginx_port/events"
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"name":"greeting:say","version":1,"payload":{"name":"up"}}' "$url"; then
            break
        fi
        sleep 0.1
    done

    echo "== run $run/$runs ($mode): wrk -t2 -c32 -d${duration}s through nginx to ${instances} instances"
    wrk -t2 -c32 -d"${duration}s" --timeout 10s -s bench/load.lua "$url" >"$work/wrk.out" 2>&1 &
    load_pid=$!
    started=$(now)
    events="$work/events"
    : >"$events"
    sleep 5
    if [ "$mode" = drain ]; then
        # every instance in turn: drain, start again, ready, a pause
        for i in "${!instance_ports[@]}"; do
            t0=$(now)
            kill -TERM "${pids[$i]}"
            wait "${pids[$i]}" || true
            t1=$(now)
            start_instance "$i" "${instance_ports[$i]}"
            wait_ready "${instance_ports[$i]}"
            t2=$(now)
            python3 -c "import sys; s, a, b, c = map(float, sys.argv[1:5]); print(f'instance {sys.argv[5]} (port {sys.argv[6]}): SIGTERM at {a - s:.1f} s, exited {b - a:.1f} s later, ready again {c - b:.2f} s after that')" \
                "$started" "$t0" "$t1" "$t2" "$i" "${instance_ports[$i]}" >>"$events"
            sleep 3
        done
    else
        i=$((instances / 2))
        sleep 5
        t0=$(now)
        kill -KILL "${pids[$i]}"
        wait "${pids[$i]}" 2>/dev/null || true
        echo "$t0" >"$work/killed_at"
        sleep 1
        start_instance "$i" "${instance_ports[$i]}"
        wait_ready "${instance_ports[$i]}"
        python3 -c "import sys; print(f'instance {sys.argv[3]} (port {sys.argv[4]}): SIGKILL at {float(sys.argv[2]) - float(sys.argv[1]):.1f} s (epoch {float(sys.argv[2]):.3f}), started again 1 s later')" \
            "$started" "$t0" "$i" "${instance_ports[$i]}" >>"$events"
    fi
    wait "$load_pid" || true
    load_pid=""
    cat "$events"
    grep -E "requests in|Socket errors|Non-2xx|Requests/sec|checked answers|invalid answers" "$work/wrk.out" || true

    requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
    socket_errors=$(awk '/Socket errors/ {gsub(/[^0-9 ]/, " "); s = 0; for (i = 1; i <= NF; i++) s += $i; print s}' "$work/wrk.out")
    non_2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
    checked=$(awk '/^checked answers/ {print $3}' "$work/wrk.out")
    invalid=$(awk '/^invalid answers/ {print $3}' "$work/wrk.out")
    socket_errors=${socket_errors:-0}
    non_2xx=${non_2xx:-0}
    lost=$((socket_errors + invalid))
    drained=$(cat "$work"/instance-*.log | grep -c "stopped" || true)
    echo "lost: $lost (non-2xx $non_2xx, socket errors $socket_errors, answers not the expected event $invalid) of $requests requests ($checked answers checked); instances that logged a clean stop: $drained"
    # 499: wrk closing its connections when its time is up, not an answer it waited for
    grep -v " 499 " "$work/lost.log" >"$work/not_2xx.log" 2>/dev/null || true
    if [ -s "$work/not_2xx.log" ]; then
        echo "-- nginx: the requests not answered 2xx"
        if [ -f "$work/killed_at" ]; then
            awk -v killed="$(cat "$work/killed_at")" '{ printf "%+.3f s from the kill: %s\n", $1 - killed, $0 }' "$work/not_2xx.log" | head -50
        else
            head -50 "$work/not_2xx.log"
        fi
    fi
    if [ -s "$work/error.log" ]; then
        echo "-- nginx error log ($(wc -l <"$work/error.log") lines), by kind:"
        sed -E 's/^[0-9\/: ]+\[[a-z]+\] [0-9#]+: \*?[0-9]* ?//; s/, client:.*//; s/ \(.*\)//' "$work/error.log" | sort | uniq -c | sort -rn | head -10
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$mode" "$requests" "$lost" "$non_2xx" "$socket_errors" "$invalid" >>"$summary"
    if [ "$mode" = drain ] && { [ "$lost" -ne 0 ] || [ "$checked" -eq 0 ]; }; then
        failed=1
    fi

    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=""
    # the load has stopped: no need to drain
    for i in "${!pids[@]}"; do
        kill -KILL "${pids[$i]}" 2>/dev/null || true
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" 2>/dev/null || true
    done
    pids=()
    rm -f "$work/killed_at"
done

echo
echo "== summary"
printf 'run\tmode\trequests\tlost\tnon-2xx\tsocket errors\twrong answers\n'
cat "$summary"
exit "$failed"
