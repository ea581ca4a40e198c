#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang-16, ASan+UBSan) in build-fuzz/ and fuzzes one
# or all of them, each for SECONDS (default 600): one libFuzzer process at a time (no -jobs), at
# the lowest priority.
# New inputs go to a scratch folder; then tests/fuzz/corpus/NAME is minimised with -merge=1: its
# named inputs stay, of the others and the new ones only those that add coverage. A crash leaves
# its input in build-fuzz/findings/NAME/ (to be kept as corpus/NAME/regress-WHAT once fixed).
#   tools/fuzz.sh                 every target, 600 s each
#   tools/fuzz.sh toml 60         one target for a minute
#   tools/fuzz.sh --list          the targets
# Needs clang-16 and libclang-rt-16-dev (tools/install-deps.sh). CI only replays the corpora
# (ctest -L fuzz); runs as long as these stay out of it.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(buffer spa_format mjpeg toml dbus_options output_target cli)
if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi
if [[ -n ${1:-} && ${1:-} != all ]]; then targets=("$1"); fi
seconds=${2:-600}
build=build-fuzz

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
CC=clang-16 CXX=clang++-16 nice -n 19 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DZEROCAST_FUZZ=ON -DZEROCAST_WERROR=OFF -DZEROCAST_BENCH=OFF "${launcher[@]}" >/dev/null
nice -n 19 cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Reports with files and lines: Debian's clang-16 comes without its own llvm-symbolizer.
symbolizer=$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)
[[ -z $symbolizer ]] || export ASAN_SYMBOLIZER_PATH=$symbolizer UBSAN_SYMBOLIZER_PATH=$symbolizer
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$t
  fresh=$build/fresh/$t
  findings=$build/findings/$t
  mkdir -p "$fresh" "$findings"
  echo "== $t: $seconds s from $(find "$corpus" -type f | wc -l) inputs"
  log=$build/fuzz-$t.log
  # Short inputs keep each corpus small (~200 KB): a JPEG needs room, a buffer's metas less (the
  # bytes an input leaves out of a meta read as zeros), text and pods little.
  case $t in
    mjpeg) max_len=65536 ;;
    buffer | toml | spa_format) max_len=2048 ;;
    *) max_len=1024 ;;
  esac
  status=0
  nice -n 19 "$build/tests/fuzz/fuzz_$t" "$fresh" "$corpus" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=4096 -max_len=$max_len -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+ +(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb)|ERROR|SUMMARY' "$log" || true
  # The corpus minimised: every named input (hand-written seeds, regress-* inputs) whatever it
  # adds, then of the rest and the new finds only those that add coverage (-merge=1).
  kept=$build/kept/$t
  rm -rf "$kept"
  mkdir -p "$kept"
  find "$corpus" -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' -exec cp {} "$kept"/ \;
  find "$corpus" "$fresh" -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -size +"$max_len"c -delete
  if nice -n 19 "$build/tests/fuzz/fuzz_$t" -merge=1 -max_len=$max_len -artifact_prefix="$findings/" "$kept" "$corpus" "$fresh" >"$build/merge-$t.log" 2>&1; then
    rm -rf "$corpus"
    mv "$kept" "$corpus"
  else
    echo "== $t: merge failed ($build/merge-$t.log); corpus left as it was"
  fi
  rm -rf "$fresh"
  echo "== $t: corpus now $(find "$corpus" -type f | wc -l) inputs, $(du -sb "$corpus" | cut -f1) bytes"
  if ((status != 0)); then
    echo "== $t: found something (exit $status): $findings/, $log"
    exit 1
  fi
done
