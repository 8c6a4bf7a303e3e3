# Sourced by the interoperability scripts (tests/interop/*.sh), from the
# workspace's root: a temporary folder in `$work`, removed on exit with the
# server whose pid the script puts in `$server_pid`, and the Python package's
# install. Not a script of its own (it does not end in `.sh`, so `.ci/run`
# does not run it).

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Installs events-protocol==0.2.4 (with pydantic<2) into the folder $1.
install_python_package() {
    echo "installing events-protocol==0.2.4 and pydantic<2 into $1"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
        --no-warn-conflicts --target "$1" "events-protocol==0.2.4" "pydantic<2"
}
