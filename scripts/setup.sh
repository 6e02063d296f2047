#!/usr/bin/env bash
# Installs what Lathe needs on Debian 12 (only what is missing), checks that OpenBLAS is the BLAS
# LibTorch uses, and builds a Release tree in build/ with ccache.
# Usage: scripts/setup.sh [--no-ui] [--bench] [--clang] [--deps-only]      (env: LATHE_BUILD_DIR, LATHE_JOBS)
#   --bench      also the benchmark programs (bench/, about 3 minutes more on two cores)
#   --clang      also clang with libFuzzer and OpenMP (scripts/fuzz.sh)
#   --deps-only  install and check, build nothing
set -euo pipefail
cd "$(dirname "$0")/.."

ui=ON
bench=OFF
clang=OFF
build_tree=ON
for a in "$@"; do
  case "$a" in
    --no-ui) ui=OFF ;;
    --bench) bench=ON ;;
    --clang) clang=ON ;;
    --deps-only) build_tree=OFF ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ccache pkg-config
  libtorch-dev libopenblas0-pthread
  libsentencepiece-dev
  nlohmann-json3-dev libyaml-cpp-dev libpcre2-dev libicu-dev
  libcpp-httplib-dev libgloo-dev
)
if [ "$ui" = ON ]; then
  packages+=(qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n libqcustomplot-dev)
else
  packages+=(qt6-base-dev)   # Qt Test for the engine's tests
fi

[ "$clang" = ON ] && packages+=(clang libclang-rt-14-dev libomp-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch calls BLAS through libblas.so.3: without OpenBLAS it gets the reference BLAS (~20x slower).
blas_alt=libblas.so.3-$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
openblas=$(update-alternatives --list "$blas_alt" 2>/dev/null | grep openblas | head -n1 || true)
if [ -z "$openblas" ]; then
  echo "setup: OpenBLAS is not registered as a BLAS alternative; install libopenblas0-pthread" >&2
  exit 1
fi
current=$(readlink -f "/etc/alternatives/$blas_alt" || true)
if [ "$current" != "$(readlink -f "$openblas")" ]; then
  echo "setup: making OpenBLAS the active BLAS ($openblas)"
  "${sudo_cmd[@]}" update-alternatives --set "$blas_alt" "$openblas"
fi

[ "$build_tree" = ON ] || exit 0

build=${LATHE_BUILD_DIR:-build}
jobs=${LATHE_JOBS:-$(nproc)}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DLATHE_BUILD_UI="$ui" -DLATHE_BUILD_BENCH="$bench" -DLATHE_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs"
