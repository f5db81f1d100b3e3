#!/usr/bin/env bash
# tour.sh - boot the test kernel with 4 vCPUs and run guest/tour, which
# folds and unfolds vCPUs through /sys/devices/system/cpu/paravirt.
#
# Usage: scripts/tour.sh   (after make kernel initramfs; make tour does both)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/scripts/run-vm.sh" --cpus 4 --threads 2 \
	--log "$top/build/vm/tour.log" -- /vfold/tour
