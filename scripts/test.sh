#!/usr/bin/env bash
# Sets up, builds and runs every test (the studio's offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"
cd "${LATHE_BUILD_DIR:-build}"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure --timeout 900 -j "${LATHE_TEST_JOBS:-2}"
