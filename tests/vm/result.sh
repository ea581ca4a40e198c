#!/usr/bin/env bash
# One guest test's verdict for ctest, from what run-in-guest.sh brought back into DIR: its output
# and its exit status (77: skipped). Skipped with the reason when the whole guest run was (no qemu,
# no guest); failed when the guest never reported this test (see the vm:run test's output).
#   result.sh DIR NAME
set -euo pipefail
dir=$1
name=$2
if [[ -f $dir/skipped ]]; then
  cat "$dir/skipped"
  exit 77
fi
if [[ ! -f $dir/$name.rc ]]; then
  echo "no result for $name in $dir: the guest run (ctest vm:run) did not finish it"
  exit 1
fi
cat "$dir/$name.log"
echo "(in the guest: $(cat "$dir/$name.seconds") s; guest console, dmesg and info in $dir)"
exit "$(cat "$dir/$name.rc")"
