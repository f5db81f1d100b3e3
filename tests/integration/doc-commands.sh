#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# doc-commands.sh - boot a guest that runs the docs' guest commands word
# for word (guest/doc-commands); prints TAP.
#
# Usage: tests/integration/doc-commands.sh
#
# Adds guest/doc-commands to a copy of build/initramfs.cpio.gz (an
# appended cpio), boots the debug kernel with 4 CPUs (SMT2) and runs it:
# the README's paravirt and governor commands and docs/operating.md's
# vfoldctl commands, each checked for what the docs say it does. Each of
# the guest's checks is a result here, and so is the guest's exit: a
# guest that crashed, timed out, printed no plan or showed kernel badness
# fails. scripts/check-doc-commands.py counts the "# doc:" markers of
# guest/doc-commands only because this script runs it. Needs
# build/kernel-debug and build/initramfs.cpio.gz (make test builds both
# first). VFOLD_DOC_GUEST=PATH boots another script instead (to show that
# a broken check fails). Exit code 0 if every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
kernel=$top/build/kernel-debug/arch/x86/boot/bzImage
initrd=$top/build/initramfs.cpio.gz
dir=$(mktemp -d /tmp/doc-commands.XXXXXX)
trap 'rm -rf "$dir"' EXIT

echo "TAP version 13"
if [ ! -e "$kernel" ] || [ ! -e "$initrd" ]; then
	echo "no $kernel or $initrd (make kernel initramfs)" >"$dir/why"
	check 1 "the debug kernel and the initramfs are built" "$dir/why"
	tap_end
	exit
fi

# The kernel reads every cpio in the initrd, later files over earlier.
mkdir -p "$dir/add/vfold"
install -m 755 "${VFOLD_DOC_GUEST:-$top/guest/doc-commands}" "$dir/add/vfold/doc-commands"
(cd "$dir/add" && find . | cpio --create --format=newc --owner=0:0 --quiet) |
	gzip >"$dir/add.cpio.gz"
cat "$initrd" "$dir/add.cpio.gz" >"$dir/initrd.gz"

"$top/scripts/run-vm.sh" --quiet --kernel "$kernel" --initrd "$dir/initrd.gz" \
	--cpus 4 --threads 2 --mem 512 --timeout 300 --log "$dir/console.log" \
	-- /vfold/doc-commands >"$dir/run-vm.out" 2>&1
rc=$?

tr -d '\r' <"$dir/console.log" | sed -n 's/^doc: //p' >"$dir/results"
plan=$(sed -n 's/^plan //p' "$dir/results")
# A check's comments ("# ...") come before its result line.
: >"$dir/detail"
while IFS= read -r line; do
	case $line in
	"ok "*) check 0 "guest: ${line#ok * - }" ;;
	"not ok "*) check 1 "guest: ${line#not ok * - }" "$dir/detail" ;;
	"# "*) echo "${line#\# }" >>"$dir/detail"; continue ;;
	esac
	: >"$dir/detail"
done <"$dir/results"
tail -n 30 "$dir/console.log" >"$dir/tail"
[ -n "$plan" ] && [ "$plan" -eq "$((tap_n))" ]
check $? "the guest printed its plan ($plan) and every result" "$dir/tail"
cat "$dir/run-vm.out" >>"$dir/tail"
check "$rc" "the guest exited 0, no kernel badness (run-vm.sh: $rc)" "$dir/tail"
tap_end
