#!/usr/bin/env bash
# Configures the sanitized build folder shared by scripts/sanitize.sh and scripts/fuzz.sh: clang,
# AddressSanitizer + UndefinedBehaviorSanitizer on every target, the libFuzzer harnesses and the engine
# and CLI tests; no studio, no benches.
# usage: scripts/configure_sanitized.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DLATHE_SANITIZE=address,undefined -DLATHE_BUILD_FUZZERS=ON \
  -DLATHE_BUILD_UI=OFF -DLATHE_BUILD_TESTS=ON -DLATHE_BUILD_BENCH=OFF >/dev/null
