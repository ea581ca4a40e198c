#!/bin/bash
# PID 1 of the guest after the initramfs (see initramfs-init.sh): readies the devices the tests
# are for, runs the job the host left in /zc-vm (tests: NAME<TAB>TIMEOUT<TAB>DIR<TAB>COMMAND per
# line; env: exports) and leaves NAME.rc, NAME.log, NAME.seconds beside it, then powers off.
# No `set -e`: PID 1 must reach the power-off whatever fails, or the host waits for its timeout.
set -uo pipefail
out=/zc-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8

power_off() {
  sync
  echo "zc-guest: power off"
  busybox poweroff -f
  echo o >/proc/sysrq-trigger
  sleep 30
}
trap power_off EXIT

# /tmp is a tmpfs already (initramfs-init.sh), shares may be mounted inside it.
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# devtmpfs has no /dev/fd (bash's process substitution and some tools use it).
ln -sf /proc/self/fd /dev/fd
busybox ip link set lo up
busybox hostname zc-guest

# udmabuf and the system dma-heap are built into Debian's 6.12; vgem (card0/renderD128, fences)
# and virtio_gpu (card1/renderD129, timeline syncobjs) are modules.
modprobe -a vgem virtio_gpu
[[ -e /dev/udmabuf ]] || modprobe udmabuf
for _ in $(seq 100); do
  [[ -e /dev/dri/renderD128 && -e /dev/dri/renderD129 ]] && break
  sleep 0.1
done
{
  echo "uptime at test start: $(cut -d' ' -f1 /proc/uptime) s"
  uname -r
  ls -l /dev/dri /dev/udmabuf /dev/dma_heap 2>&1
  for c in /sys/class/drm/card[0-9]; do echo "$c: $(basename "$(readlink -f "$c/device")")"; done
  pipewire --version | tail -n 1
  wireplumber --version | tail -n 1
} >"$out/guest-info.txt" 2>&1

# shellcheck disable=SC1091  # written by run-in-guest.sh
source "$out/env"
# LeakSanitizer runs on the host only. The guest's own libraries (PipeWire 1.4, Mesa) are built
# without frame pointers, so what they keep for the process's life comes back with one-frame
# stacks that no suppression in tools/lsan.supp can name (CI, ASan build: 128- and 176-byte
# "indirect leaks" at a nonsense return address in six guest suites whose every case passed; their
# direct leaks were suppressed as PipeWire's). The same executables run with LeakSanitizer on the
# host; AddressSanitizer and UBSan stay on here.
[[ -z ${ASAN_OPTIONS+x} ]] || export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ZC_TEST_KEEP=1 # a failing test's PipeWire logs stay in /tmp for the copy below
# Every instruction is emulated (TCG): several times slower than the host. Tests that count frames
# allow what a slow machine loses and counts (tests/integration/record/record_losses.hpp).
export ZC_TEST_EMULATED=1
while IFS=$'\t' read -r name timeout dir command; do
  echo "zc-guest: $name: $command"
  start=$(date +%s.%N)
  (cd "$dir" && exec timeout -k 5 "$timeout" bash -c "$command") >"$out/$name.log" 2>&1 </dev/null
  rc=$?
  awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN{printf "%.1f\n", a-b}' >"$out/$name.seconds"
  if [[ $rc != 0 && $rc != 77 ]]; then
    # The logs of the private PipeWire daemons and processes the test left behind: regular files
    # only (a socket copied onto the 9p share makes qemu cry "compromised client").
    mkdir -p "$out/$name.tmp"
    find /tmp -xdev -path '/tmp/zc-*' -type f -size -20M -exec cp --parents {} "$out/$name.tmp/" \; 2>/dev/null
  fi
  # What a killed or crashed test left running (its PipeWire, producers) must not load the next:
  # from PID 1, kill -1 reaches every process but this one.
  kill -KILL -1 2>/dev/null
  # -xdev, --one-file-system: a host share may be mounted under /tmp.
  find /tmp -xdev -mindepth 1 -maxdepth 1 -name 'zc-*' -exec rm -rf --one-file-system {} +
  echo "$rc" >"$out/$name.rc"
  echo "zc-guest: $name: exit $rc after $(cat "$out/$name.seconds") s"
done <"$out/tests"
dmesg >"$out/dmesg.txt"
