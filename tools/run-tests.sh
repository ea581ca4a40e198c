#!/usr/bin/env bash
# The whole test suite, as CI runs it: style checks, a normal build with every test, and an
# ASan+UBSan build with every test but the long real-time one.
#   tools/run-tests.sh               everything
#   SKIP_ASAN=1 tools/run-tests.sh   only the normal build (quicker, for development)
# CI has 90 minutes and aims at 60 on a machine with nothing cached (README, "Tests"): each stage
# says when it starts, and the end lists every stage's minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
stages=()
last_stage=
last_start=0
stage() {
  local took=$((SECONDS - last_start))
  [[ -z $last_stage ]] || stages+=("$(printf '%3d min %02d s  %s' $((took / 60)) $((took % 60)) "$last_stage")")
  last_stage=$*
  last_start=$SECONDS
  echo "== $* (at $((SECONDS / 60)) min $((SECONDS % 60)) s)"
}

# ccache, when installed: objects compiled by an earlier checkout of the same sources (another
# clone directory included: paths are taken relative to this one) are reused. ZEROCAST_CCACHE=0
# builds without it.
launcher=()
if [[ ${ZEROCAST_CCACHE:-1} != 0 ]] && command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  ccache --zero-stats >/dev/null
fi
# Line tables only (-g1): backtraces and sanitizer reports keep their files and lines, and the
# builds take about a fifth less (service.cpp: 11.7 s of CPU with -g, 9.1 s with -g1).
debug_info=(-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
  -DCMAKE_C_FLAGS_DEBUG="-g1" -DCMAKE_CXX_FLAGS_DEBUG="-g1")

# The vm tests' guest (debootstrap and a few hundred packages on a new machine) is made while the
# code compiles; vm:guest waits for it (build-guest.sh takes a lock) or finds it made.
guest_log=$(mktemp /tmp/zc-guest-build.XXXXXX)
if command -v qemu-system-x86_64 >/dev/null && [[ $(id -u) -eq 0 ]]; then
  tests/vm/build-guest.sh >"$guest_log" 2>&1 &
fi

stage "build (RelWithDebInfo, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${debug_info[@]}" "${launcher[@]}" >/dev/null
cmake --build build -j"$jobs"

stage "style: clang-format, clang-tidy-16"
tools/check-style.sh build

stage "tests (normal build)"
ctest --test-dir build -j"$jobs" --timeout 600

if [[ ${SKIP_ASAN:-0} != 1 ]]; then
  stage "build (ASan+UBSan)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DZEROCAST_SANITIZE=ON -DZEROCAST_BENCH=OFF \
    "${debug_info[@]}" "${launcher[@]}" >/dev/null
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
wait # the guest build, long done by now
rm -f "$guest_log"
stage "end"
echo "== stage times:"
printf '%s\n' "${stages[@]}"
echo "== all tests passed in $((SECONDS / 60)) min $((SECONDS % 60)) s"
