#!/usr/bin/env bash
# The GPU tests, the probe and the bridges' benchmark on the NVIDIA machine (no packages there):
# packed here with every library they load, unpacked and run there.
#
#   here:  tools/gpu-tests.sh pack [BUILD_DIR]   (default build; writes .gpu/gpu-tests.tar.xz)
#   there: tools/gpu-tests.sh run [FRAMES]       (the device tool's run, carry [".gpu"]): the GPU
#          tests (label gpu; then the NVENC cases with the stand-in library in the driver's place),
#          `zerocast zerocopy-probe` as text and JSON, `zerocopy_bench FRAMES`
#          (default 200); what they print, and .gpu/out/ (probe.json, probe.txt, bench.txt)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gpu=$root/.gpu

pack() {
  local build=${1:-build} stage
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  mkdir -p "$gpu"
  cp "$root/$build/src/cli/zerocast" "$root/$build/tests/gpu/zerocopy_gpu_tests" \
    "$root/$build/bench/gpu/zerocopy_bench" "$stage/"
  strip "$stage"/*
  # The stand-in NVENC the probe test loads (tests/gpu/fake_nvenc.c).
  cp "$root/$build/tests/gpu/libzc_fake_nvenc.so" "$gpu/"
  "$root/tools/gpu-bundle.sh" "$gpu/gpu-tests.tar.xz" "$stage"/*
}

run() {
  local frames=${1:-200} out=$gpu/out status=0
  mkdir -p /tmp/b "$out"
  tar -xJf "$gpu/gpu-tests.tar.xz" -C /tmp/b
  # shellcheck disable=SC1091
  . /tmp/b/env.sh
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
  ZC_FAKE_NVENC_LIBRARY=$gpu/libzc_fake_nvenc.so ZC_PROBE_JSON=$out/probe-test.json zerocopy_gpu_tests || status=$?
  echo "== zerocopy_gpu_tests: exit $status"
  # NVENC through FFmpeg with the stand-in in the driver's place (the hidden [.fake-nvenc] cases).
  mkdir -p "$gpu/standin"
  cp "$gpu/libzc_fake_nvenc.so" "$gpu/standin/libnvidia-encode.so.1"
  LD_LIBRARY_PATH=$gpu/standin:$LD_LIBRARY_PATH zerocopy_gpu_tests '[.fake-nvenc]' || status=$?
  echo "== zerocopy_gpu_tests [.fake-nvenc]: exit $status"
  zerocast zerocopy-probe | tee "$out/probe.txt" || true
  zerocast zerocopy-probe --json >"$out/probe.json" || true
  zerocopy_bench "$frames" 2>&1 | tee "$out/bench.txt" || true
  return "$status"
}

case ${1:-} in
  pack) shift && pack "$@" ;;
  run) shift && run "$@" ;;
  *) sed -n '2,9p' "$0" >&2 && exit 2 ;;
esac
