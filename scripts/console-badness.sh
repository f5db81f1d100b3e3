#!/usr/bin/env bash
# console-badness.sh - fail a guest console log that shows kernel trouble.
#
# Usage: scripts/console-badness.sh LOG
#
# Prints every offending line as LINE:TEXT. The patterns follow
# tools/testing/selftests/rcutorture/bin/console-badness.sh: WARNING, BUG,
# Oops, panic, lockdep and RCU-lockdep reports, might_sleep splats, RCU
# stalls, soft/hard lockups, hung tasks, GPFs, UBSAN and KASAN. They are
# matched case-sensitively, as the kernel prints them, so user-space
# chatter such as "warn:" does not count.
# Exit codes: 0 clean, 1 badness found, 2 usage or unreadable LOG.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -r "$1" ]; then
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
fi

patterns=(
	'WARNING:'
	'BUG:'
	'kernel BUG at'
	'Oops:'
	'Kernel panic'
	'Call Trace:'
	'general protection fault'
	'invalid opcode:'
	'Unable to handle kernel'
	'possible recursive locking'
	'possible circular locking dependency'
	'inconsistent lock state'
	'possible irq lock inversion'
	'suspicious RCU usage'
	'DEBUG_LOCKS_WARN_ON'
	'sleeping function called from invalid context'
	'scheduling while atomic'
	'detected stalls on CPUs/tasks'
	'self-detected stall'
	'rcu_.*kthread starved for'
	'soft lockup'
	'hard LOCKUP'
	'blocked for more than [0-9]+ seconds'
	'UBSAN:'
	'KASAN:'
	'list_(add|del) corruption'
)
# The kernel and guest/init echo the guest command (vfold.cmd=...): a
# command that mentions "BUG:" is not a kernel bug. Nor is stress-ng's
# own log line ("stress-ng: warn: [826] fork: WARNING: finished
# prematurely", from vfold-torture's load).
ignore='(\[[ 0-9.]*\] )?(Kernel command line:|Command line:|vfold-init: uptime |stress-ng: [a-z]+: )'

args=()
for p in "${patterns[@]}"; do
	args+=(-e "$p")
done
found=$(grep -naE "${args[@]}" "$1" | grep -vaE "^[0-9]+:$ignore" || true)
[ -n "$found" ] || exit 0
printf '%s\n' "$found"
exit 1
