#!/usr/bin/env bash
# Makes the Debian package build-deb/zerocast_VERSION_ARCH.deb (a Release build installed under
# /usr, packed by CPack's DEB generator) and runs lintian on it where lintian is installed, failing
# on its errors. Arguments go to the configure step (-DZEROCAST_DEB_MAINTAINER="Name <address>").
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-deb
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DZEROCAST_TESTS=OFF -DZEROCAST_BENCH=OFF "$@"
cmake --build "$build"
rm -f "$build"/zerocast_*.deb
(cd "$build" && cpack -G DEB)
deb=$(ls "$build"/zerocast_*.deb)
echo "make-deb: $deb"
if command -v lintian >/dev/null; then
  lintian --fail-on error "$deb"
fi
