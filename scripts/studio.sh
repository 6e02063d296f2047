#!/usr/bin/env bash
# Sets up, builds and launches the studio.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec "${LATHE_BUILD_DIR:-build}/bin/lathe" "$@"
