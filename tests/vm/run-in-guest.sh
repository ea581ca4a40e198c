#!/usr/bin/env bash
# Boots the guest that build-guest.sh made under qemu TCG and runs test commands in it.
#
#   run-in-guest.sh [--share DIR]... [--results DIR] [--timeout S] [--test-timeout S] [--reported]
#                   NAME='COMMAND' [NAME='COMMAND']...
#
# Each --share DIR (read-only) appears in the guest at the same absolute path, so the executables'
# compiled-in paths (the source tree, the zerocast binary) work unchanged. Each
# COMMAND runs in bash in the guest, in this directory; its exit status, output (NAME.log) and
# time (NAME.seconds) come back in --results DIR, with the guest's console.log, guest-info.txt and
# dmesg.txt. Exit status: the command's for one command; for several, 0 when all passed, 77 when
# all passed or skipped, else 1; with --reported, 0 when every command reported a status (ctest's
# per-test results, result.sh, judge them). 77 with the reason (also left in DIR/skipped) when
# qemu or the guest is missing; 1 when the guest never reported (hung past --timeout, crashed).
# Each command gets --test-timeout seconds (default 300), the whole guest --timeout (default: the
# sum plus 180 for booting). ASAN_/LSAN_/UBSAN_OPTIONS, ZC_* and ZEROCAST_* reach the guest.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

shares=()
results=
timeout=
test_timeout=300
reported=0
tests=()
while (($#)); do
  case $1 in
  --share) shares+=("$2") && shift 2 ;;
  --results) results=$2 && shift 2 ;;
  --timeout) timeout=$2 && shift 2 ;;
  --test-timeout) test_timeout=$2 && shift 2 ;;
  --reported) reported=1 && shift ;;
  *=*) tests+=("$1") && shift ;;
  *) echo "run-in-guest: unknown argument '$1'" >&2 && exit 2 ;;
  esac
done
((${#tests[@]})) || { echo "run-in-guest: no NAME='COMMAND' given" >&2 && exit 2; }
[[ -n $timeout ]] || timeout=$((${#tests[@]} * test_timeout + 180))

[[ -n $results ]] || results=$(mktemp -d /tmp/zc-vm-results.XXXXXX)
mkdir -p "$results"
# What an earlier run left (never the whole directory: it is the caller's).
rm -rf "$results"/{tests,env,skipped,guest-info.txt,dmesg.txt} "$results"/*.{rc,log,seconds,tmp}
skip() {
  echo "SKIPPED: $*" | tee "$results/skipped" >&2
  exit 77
}
command -v qemu-system-x86_64 >/dev/null ||
  skip "qemu-system-x86_64 is not installed (tools/install-deps.sh installs qemu-system-x86)"
guest=$("$here/build-guest.sh" --check 2>&1) || skip "${guest#SKIPPED: }"

# The job: one line per test (the guest reads it with IFS=tab), the environment to pass.
cwd=$PWD
names=()
lines=()
for t in "${tests[@]}"; do
  name=${t%%=*}
  [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "run-in-guest: bad test name '$name'" >&2 && exit 2; }
  names+=("$name")
  lines+=("$(printf '%s\t%s\t%s\t%s' "$name" "$test_timeout" "$cwd" "${t#*=}")")
done
env | { grep -E '^(ASAN_OPTIONS|LSAN_OPTIONS|UBSAN_OPTIONS|ZC_[A-Z_]*|ZEROCAST_[A-Z_]*)=' || true; } |
  while IFS='=' read -r var value; do printf 'export %s=%q\n' "$var" "$value"; done >"$results/env"

# Host directories at their own paths (read-only; a share inside another is already in it), and
# the results directory at /zc-vm (read-write). Paths go on the kernel command line: no blanks.
virtfs=()
append="console=ttyS0 panic=-1 loglevel=4 zc.run=$here/guest-run.sh"
mapfile -t shares < <(printf '%s\n' "$here/../.." "${shares[@]}" | xargs -n1 realpath -m | sort -u)
n=0
for dir in "${shares[@]}"; do
  [[ -d $dir ]] || { echo "run-in-guest: share '$dir' is not a directory" >&2 && exit 2; }
  [[ $dir =~ ^/[A-Za-z0-9_./+-]*$ ]] || { echo "run-in-guest: share path '$dir' has odd characters" >&2 && exit 2; }
  covered=0
  for other in "${shares[@]}"; do [[ $dir != "$other" && $dir == "$other"/* ]] && covered=1; done
  ((covered)) && continue
  virtfs+=(-virtfs "local,path=$dir,mount_tag=zc$n,security_model=none,readonly=on,multidevs=remap")
  append+=" zc.share=zc$n:$dir:ro"
  n=$((n + 1))
done
virtfs+=(-virtfs "local,path=$results,mount_tag=zcout,security_model=none,multidevs=remap")
append+=" zc.share=zcout:/zc-vm:rw"

# TCG only: /dev/kvm on our machines is a PVM hypervisor that hangs stock kernels. The root disk
# is opened with snapshot=on: the guest writes to a throw-away overlay, the cached image stays
# pristine and several guests can share it.
#
# Each boot runs the tests that have no result yet. A guest that dies before it reaches
# guest-run.sh (no guest-info.txt: measured once in a loaded run, a NULL-pointer oops at 0.46 s in
# early boot under TCG) is booted again, twice at most; the console of each failed boot is kept as
# console-failed-boot-N.log. A guest kernel that panics in the middle of the run (CI's ASan stage,
# 2026-11-26: a slab oops in clone() 39 s in, with a saved EFLAGS of 0x41f66342 that no real CPU
# pushes, during record_dmabuf's second case, which passed in every run before and after) is booted
# once more for the tests without a result, the one it died in included; its console stays as
# console-panic.log and that test's partial output as NAME.before-panic.log. A second panic, or a
# guest that hangs, fails the tests it did not finish. All boots together get `timeout`.
start=$SECONDS
early=0
panics=0
while :; do
  : >"$results/tests"
  for i in "${!names[@]}"; do
    [[ -f $results/${names[$i]}.rc ]] || printf '%s\n' "${lines[$i]}" >>"$results/tests"
  done
  rm -f "$results/guest-info.txt"
  status=0
  timeout -k 10 "$((timeout - (SECONDS - start)))" qemu-system-x86_64 -accel tcg -m 2G -smp 2 -nographic -no-reboot -nic none \
    -device virtio-gpu-pci -device virtio-rng-pci \
    -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" -append "$append" \
    -drive "file=$guest/root.img,if=virtio,format=raw,snapshot=on" \
    "${virtfs[@]}" </dev/null >"$results/console.log" 2>&1 || status=$?
  last_console=$results/console.log
  if [[ ! -f $results/guest-info.txt ]]; then
    early=$((early + 1))
    last_console=$results/console-failed-boot-$early.log
    mv "$results/console.log" "$last_console"
    echo "run-in-guest: boot $early never reached the test run (qemu exit $status):" \
      "$(grep -m1 -E 'Kernel panic|BUG:|Oops' "$last_console" || echo 'no panic line')" >&2
    ((early < 3)) || break
  else
    unfinished=()
    for name in "${names[@]}"; do [[ -f $results/$name.rc ]] || unfinished+=("$name"); done
    ((${#unfinished[@]})) || break
    panic=$(grep -m1 'Kernel panic' "$results/console.log") || break
    ((panics == 0)) || break
    panics=1
    died_in=${unfinished[0]}
    mv "$results/console.log" "$results/console-panic.log"
    [[ ! -f $results/$died_in.log ]] || mv "$results/$died_in.log" "$results/$died_in.before-panic.log"
    echo "run-in-guest: the guest kernel died during $died_in (${panic#*] }; the oops is in" \
      "$results/console-panic.log): the ${#unfinished[@]} tests without a result, $died_in" \
      "first, run again in a fresh guest" >&2
  fi
  ((SECONDS - start < timeout)) || break
done
wall=$((SECONDS - start))

overall=0
for t in "${tests[@]}"; do
  name=${t%%=*}
  echo "=== $name (in the guest: $(cat "$results/$name.seconds" 2>/dev/null || echo '?') s)"
  [[ -f $results/$name.log ]] && cat "$results/$name.log"
  if [[ -f $results/$name.rc ]]; then
    rc=$(cat "$results/$name.rc")
  else
    rc=1
    echo "run-in-guest: $name reported no result (qemu exit $status after $wall s; timeout $timeout s)"
  fi
  echo "=== $name: exit $rc"
  if ((reported)); then
    [[ -f $results/$name.rc ]] || overall=1
  elif ((${#tests[@]} == 1)); then
    overall=$rc
  elif ((rc != 0 && rc != 77)); then
    overall=1
  elif ((rc == 77 && overall == 0)); then
    overall=77
  fi
done
echo "run-in-guest: guest ran $wall s (qemu exit $status); results, console.log, dmesg.txt in $results"
if ((overall != 0 && overall != 77)); then
  echo "--- console.log (tail)"
  tail -n 40 "$last_console"
fi
exit "$overall"
