#!/usr/bin/env bash
# clang-format (repo's .clang-format) on every C++ file, clang-tidy-16 (repo's .clang-tidy) on src/.
# Debian's default clang-tidy-14 chokes on libstdc++-12's C++20 headers, hence 16.
#   tools/check-style.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
mapfile -t sources < <(git ls-files 'src/*.cpp')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy-16 -p "$build" --quiet 2>&1 \
  | grep -v -E '^[0-9]+ warnings? generated|^Suppressed [0-9]+ warnings|^Use -header-filter|^$' \
  | tee "$log" || true
if grep -qE '(warning|error):' "$log"; then
  echo "clang-tidy-16: findings above"
  exit 1
fi
echo "clang-tidy-16: ${#sources[@]} files clean"
