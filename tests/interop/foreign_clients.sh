#!/usr/bin/env bash
# Interoperability: foreign clients against our `examples/server.rs`.
#
# - the Python package's `EventClient` (events-protocol==0.2.4, pydantic<2)
#   and the JavaScript package's client (@guiabolsobr/events-protocol
#   1.0.1-2) each call our server and the package's own server with the same
#   events, and must classify success, redirect, error and not-found answers
#   the same way (tests/interop/foreign_clients.py and .js);
# - the README's `curl` line, run as written, must get the README's answer.
#
# Everything listens on 127.0.0.1 only. The packages are installed into a
# temporary folder, removed on exit with the server.
# Run from anywhere: `bash tests/interop/foreign_clients.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/interop/common.bash
source tests/interop/common.bash

echo "building examples/server.rs"
cargo build --quiet --example server
target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
EVENTS_PORT="$port" RUST_LOG=info "$target_dir/debug/examples/server" --address 127.0.0.1 \
    >"$work/server.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 100); do
    if python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; then
        ready=yes
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "examples/server.rs did not start on port $port:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
url="http://127.0.0.1:$port/events"
echo "examples/server.rs on $url"

status=0

echo "== the README's curl line"
# the first `curl` block of the README and the `json` block after it
python3 - "$port" "$work" <<'EOF' || status=1
import re, subprocess, sys

port, work = sys.argv[1], sys.argv[2]
readme = open("README.md", encoding="utf-8").read()
match = re.search(r"```sh\n(curl .*?)\n```.*?```json\n(.*?)\n```", readme, re.S)
if match is None:
    sys.exit("no curl block followed by a json block in README.md")
command = match.group(1).replace("\\\n", " ").replace("127.0.0.1:8080", f"127.0.0.1:{port}")
expected = match.group(2)
got = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True).stdout
if got != expected:
    print(f"README says: {expected}\nserver sent: {got}")
    sys.exit(1)
print(f"curl answered exactly: {got}")
EOF

echo "== Python: events-protocol==0.2.4"
install_python_package "$work/python"
PYTHONPATH="$work/python" python3 tests/interop/foreign_clients.py "$url" || status=1

echo "== JavaScript: @guiabolsobr/events-protocol@1.0.1-2"
npm install --silent --no-audit --no-fund --prefix "$work/javascript" \
    "@guiabolsobr/events-protocol@1.0.1-2"
node tests/interop/foreign_clients.js "$work/javascript/node_modules" "http://127.0.0.1:$port" ||
    status=1

if [ "$status" -ne 0 ]; then
    echo "the server's log:" >&2
    cat "$work/server.log" >&2
else
    echo "foreign clients: every answer classified as by their own servers"
fi
exit "$status"
