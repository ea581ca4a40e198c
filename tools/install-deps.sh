#!/usr/bin/env bash
# Installs every Debian 12 package that zerocast's build, tests and benchmarks need.
# Non-interactive and idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # compiler cache: tools/run-tests.sh's builds reuse what an earlier checkout compiled
  ccache
  # libraries the build links or includes
  libpipewire-0.3-dev libspa-0.2-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  libyuv-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libexpected-dev
  libsystemd-dev libffmpeg-nvenc-dev libva-dev libcpp-httplib-dev nlohmann-json3-dev
  libegl-dev libgles-dev libgl-dev libvulkan-dev glslc libgbm-dev libdrm-dev
  catch2
  # runtime pieces the main job, tests and benchmarks start
  pipewire pipewire-bin wireplumber pipewire-tests ffmpeg
  # a real RTMP server for the RTMP tests (started by each test on a loopback port)
  nginx-light libnginx-mod-rtmp
  gstreamer1.0-tools gstreamer1.0-pipewire gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
  dbus dbus-daemon systemd python3 python3-dbus
  sway xdg-desktop-portal xdg-desktop-portal-wlr weston
  util-linux procps xz-utils time
  # the vm tests' guest (tests/vm): TCG emulator, the Debian bootstrapper, image tools
  qemu-system-x86 debootstrap cpio e2fsprogs
  # the man page (scdoc renders it at build time; groff and man-db read it back in its test) and
  # the three shells whose completions the tests load and try
  scdoc groff-base man-db bash-completion zsh fish
  # the Debian package's check (tools/make-deb.sh runs lintian on the .deb)
  lintian
  # style checks
  clang-format clang-tidy-16
  # fuzzing (tools/fuzz.sh): clang-16 and its libFuzzer and sanitizer runtimes
  clang-16 libclang-rt-16-dev
  # software GL (llvmpipe) and Vulkan (lavapipe): the GPU passes' tests run on them without a GPU
  libgl1-mesa-dri mesa-vulkan-drivers
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
SUDO=
[[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
