#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time, starting from the
# seed corpus (the conformance inputs) plus what earlier runs found.
#   fuzz/run.sh            30 s per target (what CI runs)
#   fuzz/run.sh 600        10 minutes per target
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# cargo fuzz needs nightly flags; the stable toolchain accepts them with this
export RUSTC_BOOTSTRAP=1
cargo fuzz build
for target in $(cargo fuzz list); do
    mkdir -p "corpus/$target"
    echo "== fuzz $target for ${seconds}s"
    cargo fuzz run "$target" "corpus/$target" seeds/conformance seeds/handlers -- \
        -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=4096 -print_final_stats=1 \
        2>&1 | grep -E "^(stat::|#[0-9]+ +DONE|==[0-9]+==|SUMMARY|INFO: Running|Done)" || true
    # a crash leaves an artifact and a non-zero status: fail the run
    if compgen -G "artifacts/$target/*" >/dev/null; then
        echo "fuzz $target found a failing input:" artifacts/"$target"/*
        exit 1
    fi
done
