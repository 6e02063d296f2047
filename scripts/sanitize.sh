#!/usr/bin/env bash
# Builds the engine, lathe-cli and their tests with AddressSanitizer + UndefinedBehaviorSanitizer (clang)
# and runs the core and cli tests. Any report fails the test that caused it: undefined behaviour aborts
# (-fno-sanitize-recover), and so does every AddressSanitizer error.
#
# The build folder is the one scripts/fuzz.sh uses (same options), so one sanitized build serves both.
# SentencePiece's module is opened with RTLD_DEEPBIND, which the sanitizer runtimes refuse: a sanitized
# build opens it with glibc's dlopen behind theirs (core/tokenizer/sentencepiece_module_loader.cpp). Inside
# the module, Debian's libsentencepiece then allocates with malloc and frees some of it with the sanitizer's
# operator delete, so AddressSanitizer's malloc/delete pairing check is off (alloc_dealloc_mismatch=0).
#
# usage: scripts/sanitize.sh [CTEST ARGS...]   e.g. scripts/sanitize.sh -R core/safetensors
#   env: LATHE_SANITIZE_BUILD (build-asan), LATHE_JOBS, LATHE_TEST_JOBS (1)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LATHE_SANITIZE_BUILD:-build-asan}
jobs=${LATHE_JOBS:-$(nproc)}

scripts/setup.sh --no-ui --clang --deps-only
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
scripts/configure_sanitized.sh "$build"
cmake --build "$build" -j "$jobs"

cd "$build"
# LibTorch and Qt keep process-lifetime singletons that LeakSanitizer would list as leaks: leaks are
# not checked. Everything else is.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:alloc_dealloc_mismatch=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export QT_QPA_PLATFORM=offscreen
export QTEST_FUNCTION_TIMEOUT=${QTEST_FUNCTION_TIMEOUT:-1800000}  # sanitized code runs 3-10x slower than Qt Test's 5 minutes allow
ctest --output-on-failure --timeout 1800 -j "${LATHE_TEST_JOBS:-1}" -L 'core|cli' "$@"
