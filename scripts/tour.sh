#!/usr/bin/env bash
# demo.sh - boot the test kernel with 4 vCPUs and run guest/demo, which
# folds and unfolds vCPUs through /sys/devices/system/cpu/paravirt.
#
# Usage: scripts/demo.sh   (after make kernel initramfs; make demo does both)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/scripts/run-vm.sh" --cpus 4 --threads 2 \
	--log "$top/build/vm/demo.log" -- /vfold/demo
