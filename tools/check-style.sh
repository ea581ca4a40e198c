#!/usr/bin/env bash
# clang-format (repo's .clang-format) on every C++ file, clang-tidy-16 (repo's .clang-tidy) on src/,
# skipping sources whose exact input was found clean before (tools/tidy-cached.py).
# Debian's default clang-tidy-14 chokes on libstdc++-12's C++20 headers, hence 16.
#   tools/check-style.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
mapfile -t sources < <(git ls-files 'src/*.cpp')
if ! tools/tidy-cached.py "$build" "${sources[@]}"; then
  echo "clang-tidy-16: findings above"
  exit 1
fi
