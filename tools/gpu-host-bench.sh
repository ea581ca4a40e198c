#!/usr/bin/env bash
# record_bench on the GPU machine (16 cores, no packages): zerocast, record_bench, GStreamer's
# elements, PipeWire, WirePlumber and a session bus, packed here and run there.
#
#   here:  tools/gpu-host-bench.sh pack [BUILD_DIR]    (default build; writes .gpu/, about 55 MB)
#   there: tools/gpu-host-bench.sh run [record_bench arguments...]
#          (the device tool's run, carry [".gpu"]; ZEROCAST_ZEROCOPY=0 in front for the CPU path
#          that a machine without NVIDIA takes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gpu=$root/.gpu
plugins=(coreelements matroska pipewire videoconvertscale videotestsrc x264)

pack() {
  local build=${1:-build} stage gst=/usr/lib/x86_64-linux-gnu/gstreamer-1.0 roots=()
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  mkdir -p "$gpu"
  cp "$root/$build/src/cli/zerocast" "$root/$build/bench/record_bench" "$stage/"
  strip "$stage/zerocast" "$stage/record_bench"
  cp /usr/bin/gst-launch-1.0 /usr/bin/dbus-daemon /usr/bin/wireplumber \
    /usr/lib/x86_64-linux-gnu/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner "$stage/"
  for p in "${plugins[@]}"; do roots+=("$gst/libgst$p.so"); done
  roots+=(/usr/lib/x86_64-linux-gnu/wireplumber-0.4/*.so)
  "$root/tools/gpu-bundle.sh" "$gpu/bundle.tar.xz" --pipewire "$stage"/* "${roots[@]}"
  # The bus, WirePlumber's modules and scripts, read where the host has no /usr/share of them.
  cp /usr/share/dbus-1/session.conf "$gpu/session.conf"
  rm -rf "$gpu/wp" && mkdir -p "$gpu/wp"
  cp -a /usr/lib/x86_64-linux-gnu/wireplumber-0.4 "$gpu/wp/modules"
  cp -a /usr/share/wireplumber "$gpu/wp/share"
  # No logind there: WirePlumber 0.4 gives up when its logind module cannot start.
  sed -i 's/\["with-logind"\] = true/["with-logind"] = false/' "$gpu/wp/share/bluetooth.lua.d/50-bluez-config.lua"
}

run() {
  mkdir -p /tmp/b
  tar -xJf "$gpu/bundle.tar.xz" -C /tmp/b
  # shellcheck disable=SC1091
  . /tmp/b/env.sh
  # dbus-daemon --session reads /usr/share/dbus-1/session.conf, which the host lacks.
  [[ -e /tmp/b/bin/dbus-daemon.real ]] || mv /tmp/b/bin/dbus-daemon /tmp/b/bin/dbus-daemon.real
  cp "$gpu/session.conf" /tmp/b/session.conf
  cat > /tmp/b/bin/dbus-daemon <<'EOF'
#!/bin/sh
args=""
for a in "$@"; do [ "$a" = "--session" ] || args="$args $a"; done
exec /tmp/b/bin/dbus-daemon.real --config-file=/tmp/b/session.conf $args
EOF
  chmod +x /tmp/b/bin/dbus-daemon
  mkdir -p /tmp/b/gst
  for p in "${plugins[@]}"; do ln -sf "/tmp/b/lib/libgst$p.so" /tmp/b/gst/; done
  export GST_PLUGIN_SYSTEM_PATH=/tmp/b/gst GST_REGISTRY=/tmp/b/gst-registry.bin
  export GST_PLUGIN_SCANNER=/tmp/b/bin/gst-plugin-scanner ZEROCAST_BIN=/tmp/b/bin/zerocast
  export WIREPLUMBER_MODULE_DIR=$gpu/wp/modules WIREPLUMBER_DATA_DIR=$gpu/wp/share WIREPLUMBER_CONFIG_DIR=$gpu/wp/share
  exec /tmp/b/bin/record_bench "$@"
}

case ${1:-} in
  pack) shift && pack "$@" ;;
  run) shift && run "$@" ;;
  *) sed -n '2,8p' "$0" >&2 && exit 2 ;;
esac
