#!/usr/bin/env bash
# Load test of the example server: wrk with 256 connections for 60 s on the
# loopback, bounded in time, stopping by itself. Passes when there are zero
# socket errors, zero non-2xx answers, every answer is the exact expected
# event, and the server's resident memory at the end is within 10% of that at
# 10 s.
#   bench/load.sh          60 s
#   bench/load.sh 20       a shorter run (memory is then compared at 10 s and at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-60}"
connections=256
if ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk
fi
cargo build --release --example server
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/events"
RUST_LOG=warn target/release/examples/server --port "$port" >/dev/null 2>&1 &
server=$!
out=$(mktemp)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
    if curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"name":"greeting:say","version":1,"payload":{"name":"up"}}' "$url"; then
        break
    fi
    sleep 0.1
done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
echo "== wrk -t2 -c$connections -d${duration}s $url"
ulimit -n 65536 2>/dev/null || true
wrk -t2 -c"$connections" -d"${duration}s" --timeout 5s --latency -s bench/load.lua "$url" >"$out" 2>&1 &
load=$!
sleep 10
rss_at_10=$(rss)
sleep $((duration - 11))
rss_at_end=$(rss)
wait "$load"
cat "$out"
socket_errors=$(awk '/Socket errors/ {gsub(/[^0-9 ]/, " "); s = 0; for (i = 1; i <= NF; i++) s += $i; print s}' "$out")
non_2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
checked=$(awk '/^checked answers/ {print $3}' "$out")
invalid=$(awk '/^invalid answers/ {print $3}' "$out")
growth=$(python3 -c "print(f'{($rss_at_end - $rss_at_10) / $rss_at_10 * 100:.1f}')")
echo "== resident memory: ${rss_at_10} KiB at 10 s, ${rss_at_end} KiB at $((duration - 1)) s (${growth}%)"
echo "== socket errors: ${socket_errors:-0}, non-2xx: ${non_2xx:-0}, answers checked: ${checked}, invalid: ${invalid}"
python3 - "$rss_at_10" "$rss_at_end" "${socket_errors:-0}" "${non_2xx:-0}" "$checked" "$invalid" <<'PY'
import sys
at_10, at_end, socket_errors, non_2xx, checked, invalid = map(int, sys.argv[1:])
failures = []
if socket_errors: failures.append(f"{socket_errors} socket errors")
if non_2xx: failures.append(f"{non_2xx} non-2xx answers")
if checked == 0: failures.append("no answer was checked")
if invalid: failures.append(f"{invalid} answers were not the expected event")
if at_end > at_10 * 1.10: failures.append(f"memory grew from {at_10} KiB to {at_end} KiB")
print("load: " + ("; ".join(failures) if failures else "passed"))
sys.exit(1 if failures else 0)
PY
