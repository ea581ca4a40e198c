#!/usr/bin/env bash
# Builds, once, the qemu guest the `vm` tests run in: Debian 12 (minbase) with bookworm-backports'
# kernel 6.12 (udmabuf, dma-heap, vgem fences, virtio_gpu syncobjs), PipeWire 1.4, WirePlumber
# 0.5 and Mesa 25, plus the bookworm libraries the host-built executables link (FFmpeg 5.1 etc.).
#
#   tests/vm/build-guest.sh          build unless cached; prints the guest directory
#   tests/vm/build-guest.sh --check  prints the guest directory if cached, else exits 77
#
# The cache is keyed on this file's content (the package lists live here), so editing it builds a
# new guest and anything else reuses the old one, in any clone: ${ZEROCAST_VM_CACHE:-~/.cache/
# zerocast-vm}/guest-KEY/{vmlinuz,initrd.img,root.img,info.txt}. Exit 77 (ctest: skipped) with the
# reason when the guest cannot be built here (not root, a tool or the mirror missing).
set -euo pipefail

mirror=${ZEROCAST_VM_MIRROR:-http://deb.debian.org/debian}
security_mirror=${ZEROCAST_VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache_root=${ZEROCAST_VM_CACHE:-${HOME:-/root}/.cache/zerocast-vm}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The initramfs's init is baked into the guest too.
key=$(cat "$here/build-guest.sh" "$here/initramfs-init.sh" | sha256sum | cut -c1-16)
guest=$cache_root/guest-$key

# From bookworm: what the host-built zerocast and tests load (readelf -d NEEDED, plus the GL and
# Vulkan loaders they dlopen), the programs the tests start, and the init's tools.
bookworm_packages=(
  kmod busybox-static procps psmisc
  libavcodec59 libavformat59 libavutil57 libswresample4 libswscale6 ffmpeg
  libcpp-httplib0.11 libfmt9 libspdlog1.10 libsystemd0 libtomlplusplus3 libyuv0 libstdc++6
  libasan8 libubsan1
  libegl1 libgl1 libgles2 libvulkan1
  dbus-daemon dbus-session-bus-common dbus-bin
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
)
# From bookworm-backports: what current desktops run.
backports_packages=(
  pipewire pipewire-bin wireplumber pipewire-tests gstreamer1.0-pipewire
  libgbm1 libegl-mesa0 libgl1-mesa-dri mesa-vulkan-drivers
)
# The initramfs loads only what mounting the root disk and the 9p shares needs.
# virtio_rng: the kernel's random pool is ready at once instead of half a minute into the run
# (getrandom() callers would block until then).
initramfs_modules=(virtio_pci virtio_blk ext4 9p 9pnet_virtio virtio_rng)
# What guest-run.sh loads: stored uncompressed, as unpacking xz under TCG costs seconds a boot.
guest_modules=(vgem virtio_gpu)

skip() {
  echo "SKIPPED: vm guest cannot be built: $*" >&2
  exit 77
}

log=$cache_root/build-$key.log
if [[ ${1:-} == --check ]]; then
  [[ -f $guest/complete || ! -f $log ]] || skip "its last build failed (log: $log)"
  [[ -f $guest/complete ]] || skip "not built yet ($guest); run tests/vm/build-guest.sh"
  echo "$guest"
  exit 0
fi

[[ -f $guest/complete ]] && {
  echo "$guest"
  exit 0
}

# debootstrap and the chroot need root; mkfs.ext4 -d and cpio assemble the images.
[[ $(id -u) -eq 0 ]] || skip "building needs root (debootstrap); run as root once to fill $cache_root"
for tool in debootstrap chroot mkfs.ext4 cpio gzip xz dpkg-deb flock; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (tools/install-deps.sh)"
done

mkdir -p "$cache_root"
# Two ctest runs (the normal and the sanitizer build) may ask at once: one builds, one waits.
exec 9>"$cache_root/build.lock"
flock 9
[[ -f $guest/complete ]] && {
  echo "$guest"
  exit 0
}

work=$(mktemp -d "$cache_root/tmp-$key.XXXXXX")
# ZEROCAST_VM_KEEP_WORK=1 keeps a failed build's tree for a look (the proc mount is always undone).
root=$work/root
unmount() { umount "$root/proc" 2>/dev/null || true; }
cleanup() {
  unmount
  # --one-file-system: never follow a mount that failed to go into the host's tree.
  [[ ${ZEROCAST_VM_KEEP_WORK:-0} == 1 ]] || rm -rf --one-file-system "$work"
}
trap cleanup EXIT

step() {
  echo "== $(date +%T) $1" | tee -a "$log" >&2
}
# Runs a build step with its output in the log; a failure skips (the guest cannot be built) and
# shows the log's tail, so the reason is in ctest's output.
run() {
  if ! "$@" >>"$log" 2>&1; then
    tail -n 25 "$log" >&2
    skip "'$*' failed (log: $log)"
  fi
}
in_root() { run chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

: >"$log"
start=$SECONDS
step "debootstrap --variant=minbase bookworm"
run debootstrap --variant=minbase bookworm "$root" "$mirror"

step "apt sources: bookworm, -updates, -security, -backports"
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security_mirror bookworm-security main
deb $mirror bookworm-backports main
EOF
# No service may start inside the chroot (dbus, pipewire's user units).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
# The chroot is thrown away after imaging: dpkg need not fsync every file (minutes on a busy disk).
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/zc-unsafe-io"
# Some maintainer scripts read /proc; debootstrap made the few /dev nodes apt needs.
mount -t proc proc "$root/proc"
in_root apt-get update -q

step "packages from bookworm"
in_root apt-get install -y -q --no-install-recommends "${bookworm_packages[@]}"
step "packages from bookworm-backports"
in_root apt-get install -y -q --no-install-recommends -t bookworm-backports "${backports_packages[@]}"

step "kernel 6.12"
# The newest generic linux-image-6.12.N+deb12-amd64 (not -rt, -cloud, -dbg): bookworm-backports
# has them (6.12.95 when written) and so does bookworm-security, newer (6.12.117).
kernel_pkg=$(chroot "$root" apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+(bpo|deb12)-amd64$' |
  awk '{print $1}' | sort -V | tail -n 1)
[[ -n $kernel_pkg ]] || skip "no linux-image-6.12.*-amd64 in bookworm-backports or bookworm-security"
run chroot "$root" sh -c "cd /tmp && apt-get download -q $kernel_pkg"
run dpkg-deb -x "$root"/tmp/"$kernel_pkg"_*.deb "$work/kernel"
rm -f "$root"/tmp/*.deb
mods=
for d in "$work"/kernel/lib/modules/* "$work"/kernel/usr/lib/modules/*; do [[ -d $d ]] && mods=$d; done
[[ -n $mods ]] || skip "$kernel_pkg has no lib/modules/VERSION"
kver=$(basename "$mods")
mkdir -p "$root/usr/lib/modules"
cp -a "$mods" "$root/usr/lib/modules/"
# The package ships no modules.dep (its postinst would run depmod).
in_root depmod "$kver"
chroot "$root" modprobe -a -S "$kver" --show-depends "${guest_modules[@]}" >"$work/guest-deps" 2>>"$log" ||
  skip "modprobe --show-depends ${guest_modules[*]} failed (log: $log)"
while read -r kind path _; do
  [[ $kind == insmod && $path == *.xz && -f $root$path ]] && run xz -d "$root$path"
done <"$work/guest-deps"
in_root depmod "$kver"

step "caches the tests would otherwise build at every boot"
# GStreamer scans every plugin on its first run (many seconds under TCG; a test waiting 5 s for
# gst-launch's node failed that way): the registry is built once here, in root's home.
in_root env HOME=/root gst-inspect-1.0 pipewiresink

step "initramfs: busybox and the modules for the root disk and 9p"
init=$work/initramfs
mkdir -p "$init"/{bin,dev,proc,sys,newroot,modules}
cp "$root/bin/busybox" "$init/bin/busybox"
# modprobe --show-depends lists the closure in load order ("insmod PATH" or "builtin NAME"); the
# modules are xz-compressed, so they are unpacked here and busybox's insmod needs no xz support.
chroot "$root" modprobe -a -S "$kver" --show-depends "${initramfs_modules[@]}" >"$work/deps" 2>>"$log" ||
  skip "modprobe --show-depends ${initramfs_modules[*]} failed (log: $log)"
: >"$init/modules/order"
while read -r kind path _; do
  [[ $kind == insmod ]] || continue
  name=$(basename "$path")
  name=${name%.xz}
  [[ -f $init/modules/$name ]] && continue
  case $path in
  *.xz) xz -dc "$root$path" >"$init/modules/$name" ;;
  *.zst) zstd -qdc "$root$path" >"$init/modules/$name" ;;
  *) cp "$root$path" "$init/modules/$name" ;;
  esac
  echo "$name" >>"$init/modules/order"
done <"$work/deps"
cp "$here/initramfs-init.sh" "$init/init"
chmod +x "$init/init"
mkdir -p "$work/out"
(cd "$init" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/out/initrd.img"
cp "$work"/kernel/boot/vmlinuz-"$kver" "$work/out/vmlinuz"

step "root disk image (ext4)"
{
  echo "kernel $kernel_pkg ($kver): $(chroot "$root" apt-cache policy "$kernel_pkg" | grep -m1 -o 'http[^ ]* [^ ]*')"
  chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' "${backports_packages[@]}" \
    libavcodec59 libdrm2 libvulkan1 libegl1
} >"$work/out/info.txt"
in_root apt-get clean
unmount
rm -rf "$root"/usr/share/{doc,man,info,locale} "$root"/var/lib/apt/lists/*
mb=$(du -sm "$root" | cut -f1)
truncate -s "$((mb + mb / 4 + 256))M" "$work/out/root.img"
run mkfs.ext4 -q -F -L zcroot -d "$root" "$work/out/root.img"
touch "$work/out/complete"

# Publish atomically, and drop guests of older versions of this script.
for old in "$cache_root"/guest-* "$cache_root"/build-*.log; do
  [[ -e $old && $old != "$guest" && $old != "$log" ]] && rm -rf "$old"
done
unmount
mv "$work/out" "$guest"
step "guest $guest built in $((SECONDS - start)) s"
echo "$guest"
