#!/usr/bin/env bash
# Interoperability: our client against the Python package's EventProcessor
# (events-protocol==0.2.4, pydantic<2) served by `http.server` on 127.0.0.1.
# Installs the packages into a temporary folder, removed on exit, with the
# server. Run from anywhere: `bash tests/interop/python_server.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/interop/common.bash
source tests/interop/common.bash

install_python_package "$work/site"

PYTHONPATH="$work/site" python3 tests/interop/python_server.py "$work/port" \
    >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "the Python server did not start:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$work/port" ]; then
    echo "the Python server wrote no port within 10 s:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
port="$(cat "$work/port")"
echo "Python EventProcessor on http://127.0.0.1:$port/events"

status=0
EVENTS_PYTHON_URL="http://127.0.0.1:$port/events" \
    cargo test --all-features --test interop_python -- --ignored || status=$?
if [ "$status" -ne 0 ]; then
    echo "the Python server's log:" >&2
    cat "$work/server.log" >&2
fi
exit "$status"
