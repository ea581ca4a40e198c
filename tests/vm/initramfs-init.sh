#!/bin/busybox sh
# The guest's first process, in the initramfs (busybox only): loads the modules for the root disk
# and 9p, mounts the ext4 root (/dev/vda), mounts each host share at its host path inside it
# (kernel arguments zc.share=TAG:PATH:ro|rw; same paths, so compiled-in paths work) and hands over
# to zc.run=SCRIPT (tests/vm/guest-run.sh, read from a share, so changing it needs no new guest).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

die() {
  echo "zc-initramfs: $*"
  poweroff -f
}

# Already built in modules fail insmod with EEXIST: harmless.
for m in $(cat /modules/order); do insmod "/modules/$m" 2>/dev/null; done

mount -t ext4 /dev/vda /newroot || die "cannot mount the root disk /dev/vda"

# /tmp before the shares: a share may live under /tmp (a build tree there, a results directory).
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp

run=
for arg in $(cat /proc/cmdline); do
  case $arg in
  zc.run=*) run=${arg#zc.run=} ;;
  zc.share=*)
    spec=${arg#zc.share=}
    tag=${spec%%:*}
    rest=${spec#*:}
    path=${rest%:*}
    mode=${rest##*:}
    # Read-only shares do not change while the guest runs: let the guest cache them.
    opts=trans=virtio,version=9p2000.L,msize=524288,$mode
    [ "$mode" = ro ] && opts=$opts,cache=loose
    mkdir -p "/newroot$path"
    mount -t 9p -o "$opts" "$tag" "/newroot$path" || die "cannot mount share $tag at $path"
    ;;
  esac
done
[ -n "$run" ] || die "no zc.run= on the kernel command line"

mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /bin/bash "$run"
