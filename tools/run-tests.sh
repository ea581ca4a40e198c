#!/usr/bin/env bash
# The whole test suite, as CI runs it: style checks, a normal build with every test, and an
# ASan+UBSan build with every test but the long real-time one.
#   tools/run-tests.sh            everything
#   SKIP_ASAN=1 tools/run-tests.sh   only the normal build (quicker, for development)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
# Each stage's start, in seconds since this script began: CI has 90 minutes, the notes say where
# they go.
stage() { echo "== $* (at $((SECONDS / 60)) min $((SECONDS % 60)) s)"; }

# ccache, when installed: objects compiled by an earlier checkout of the same sources (another
# clone directory included: paths are taken relative to this one) are reused. ZEROCAST_CCACHE=0
# builds without it.
launcher=()
if [[ ${ZEROCAST_CCACHE:-1} != 0 ]] && command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  ccache --zero-stats >/dev/null
fi

stage "build (RelWithDebInfo, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build build -j"$jobs"

stage "style: clang-format, clang-tidy-16"
tools/check-style.sh build

stage "tests (normal build)"
ctest --test-dir build -j"$jobs" --timeout 600

if [[ ${SKIP_ASAN:-0} != 1 ]]; then
  stage "build (ASan+UBSan)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DZEROCAST_SANITIZE=ON -DZEROCAST_BENCH=OFF "${launcher[@]}" >/dev/null
  cmake --build build-asan -j"$jobs"
  ((${#launcher[@]} == 0)) || ccache --show-stats | grep -E 'Hits|Misses' | head -3
  stage "tests (ASan+UBSan; the real-time soak runs only in the normal build)"
  # LeakSanitizer is on by default (x86-64 Linux); not forcing it here lets one executable opt out
  # through __lsan_default_options (lavapipe JIT leaks, tests/unit/zerocopy_gpu/lsan_mesa.cpp).
  export ASAN_OPTIONS=abort_on_error=0:detect_odr_violation=0
  export LSAN_OPTIONS=suppressions=$PWD/tools/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir build-asan -j"$jobs" --timeout 900 -LE 'realtime'
fi
stage "all tests passed"
