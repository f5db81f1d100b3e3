#!/usr/bin/env bash
# run.sh - host-side tests of the vfold harness itself; prints TAP.
#
# Usage: tests/host/run.sh
#
# Checks scripts/parse-results.py and scripts/console-badness.sh against
# the hand-written logs in tests/host/fixtures/, runs guest/run-tests on
# the host (under busybox sh) with fake test programs, and checks that
# scripts/run-vm.sh rejects bad arguments before starting QEMU. Every
# check has a broken case that must make it fire. No VM is booted.
# Scratch files go to build/host-tests/. Exit code: 0 if every case
# passed, 1 otherwise.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
fix=$top/tests/host/fixtures
parse=$top/scripts/parse-results.py
badness=$top/scripts/console-badness.sh
scratch=$top/build/host-tests
rm -rf "$scratch"
mkdir -p "$scratch"

# Results are collected first so the plan can lead the TAP output.
results=()
failed=0

record() {
	local ok=$1 name=$2 detail=$3
	if [ "$ok" -eq 1 ]; then
		results+=("ok $((${#results[@]} + 1)) $name")
	else
		results+=("not ok $((${#results[@]} + 1)) $name")
		while IFS= read -r l; do
			results[-1]+=$'\n'"# $l"
		done <<<"$detail"
		failed=$((failed + 1))
	fi
}

# check_parse NAME LOG "N passed, N failed, N skipped" RC [OPTIONS...]
check_parse() {
	local name=$1 log=$2 want=$3 want_rc=$4 out rc=0
	shift 4
	out=$("$parse" "$@" "$log" 2>&1) || rc=$?
	local last=${out##*$'\n'}
	if [ "$last" = "$want" ] && [ "$rc" -eq "$want_rc" ]; then
		record 1 "parse: $name" ""
	else
		record 0 "parse: $name" "want '$want' exit $want_rc, got exit $rc:"$'\n'"$out"
	fi
}

# check_badness NAME LOG RC
check_badness() {
	local name=$1 log=$2 want_rc=$3 out rc=0
	out=$("$badness" "$log" 2>&1) || rc=$?
	if [ "$rc" -eq "$want_rc" ]; then
		record 1 "badness: $name" ""
	else
		record 0 "badness: $name" "want exit $want_rc, got $rc:"$'\n'"$out"
	fi
}

check_parse "clean KUnit and selftests" "$fix/clean.log" \
	"9 passed, 0 failed, 2 skipped" 0 --require-ktap --require-tap
check_parse "KUnit plan 4, 2 results, panic" "$fix/kunit-crash.log" \
	"2 passed, 2 failed, 0 skipped" 1
check_parse "selftest plan 4, 2 results, segfault" "$fix/selftest-short.log" \
	"2 passed, 2 failed, 0 skipped" 1
check_parse "KUnit not ok" "$fix/not-ok.log" \
	"1 passed, 1 failed, 0 skipped" 1
check_parse "printk prefix, failing parameter case" "$fix/param-printk.log" \
	"3 passed, 1 failed, 0 skipped" 1
check_parse "no tests at all" "$fix/no-tests.log" \
	"0 passed, 1 failed, 0 skipped" 1
check_parse "splat does not change counts" "$fix/warning.log" \
	"1 passed, 0 failed, 0 skipped" 0
check_parse "passing TAP, exit code 1" "$fix/selftest-exitcode.log" \
	"2 passed, 1 failed, 0 skipped" 1
check_parse "exit-code pass and a skipped empty plan" "$fix/selftest-skip.log" \
	"1 passed, 0 failed, 1 skipped" 0 --require-tap
check_parse "--require-ktap without KTAP" "$fix/selftest-skip.log" \
	"1 passed, 1 failed, 1 skipped" 1 --require-ktap
check_parse "--require-tap without TAP" "$fix/not-ok.log" \
	"1 passed, 2 failed, 0 skipped" 1 --require-tap
check_parse "empty plan 1..0" "$fix/selftest-empty.log" \
	"0 passed, 1 failed, 0 skipped" 1
check_parse "guest died inside a program" "$fix/selftest-died.log" \
	"1 passed, 1 failed, 0 skipped" 1
check_parse "--summary-only" "$fix/not-ok.log" \
	"1 passed, 1 failed, 0 skipped" 1 --summary-only
check_parse "unreadable log" "$fix/does-not-exist.log" \
	"parse-results: [Errno 2] No such file or directory: '$fix/does-not-exist.log'" 2

check_badness "clean log" "$fix/clean.log" 0
check_badness "no-tests log" "$fix/no-tests.log" 0
check_badness "WARNING splat" "$fix/warning.log" 1
check_badness "lockdep circular dependency" "$fix/lockdep.log" 1
check_badness "RCU stall" "$fix/rcu-stall.log" 1
check_badness "oops and panic" "$fix/kunit-crash.log" 1
check_badness "unreadable log" "$fix/does-not-exist.log" 2

# One line per pattern family, each alone in a log, so every pattern is
# shown to fire; then lines that must not.
bad_lines=(
	'WARNING: CPU: 0 PID: 1 at kernel/sched/core.c:1 f+0x0/0x10'
	'BUG: sleeping function called from invalid context at mm/slub.c:4103'
	'kernel BUG at kernel/sched/core.c:42!'
	'Oops: general protection fault, probably for non-canonical address'
	'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100'
	'Call Trace:'
	'general protection fault, probably for non-canonical address 0xdead'
	'WARNING: possible recursive locking detected'
	'WARNING: inconsistent lock state'
	'WARNING: suspicious RCU usage'
	'DEBUG_LOCKS_WARN_ON(1)'
	'BUG: scheduling while atomic: swapper/0/0/0x00000002'
	'rcu: INFO: rcu_preempt self-detected stall on CPU'
	'rcu: rcu_preempt kthread starved for 10502 jiffies!'
	'watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [stress-ng:99]'
	'INFO: task kworker/0:1:23 blocked for more than 122 seconds.'
	'UBSAN: shift-out-of-bounds in kernel/sched/paravirt.c:77:12'
	'BUG: KASAN: slab-use-after-free in sched_paravirt_update+0x1/0x2'
	'list_add corruption. prev->next should be next (ffff8880), but was 0.'
	'[    3.141592] WARNING: CPU: 1 PID: 9 at kernel/sched/fair.c:5 g+0x1/0x2'
)
i=0
for l in "${bad_lines[@]}"; do
	i=$((i + 1))
	printf '%s\n' "$l" >"$scratch/bad-$i.log"
	check_badness "fires on: $l" "$scratch/bad-$i.log" 1
done
printf '%s\n' \
	'Command line: console=ttyS0 vfold.cmd="echo BUG: x"' \
	'Kernel command line: console=ttyS0 vfold.cmd="echo BUG: x"' \
	'vfold-init: uptime 1.00s, running: echo WARNING: x' \
	'stress-ng: warn:  [99] cpu: aborted early' \
	'Warning: unable to open an initial console.' \
	'cyclictest: WARN: stat /dev/cpu_dma_latency failed' >"$scratch/benign.log"
check_badness "quiet on command echoes and user-space warnings" "$scratch/benign.log" 0

# guest/run-tests with fake programs: each runner rule has a case.
st=$scratch/selftests
mkdir -p "$st"
fake() {
	printf '#!/bin/sh\n%s\n' "$2" >"$st/$1"
	chmod +x "$st/$1"
}
fake a_tap_pass 'printf "TAP version 13\n1..2\nok 1 x\nok 2 y\n"'
fake b_tap_then_crash 'printf "TAP version 13\n1..1\nok 1 x\n"; exit 1'
fake c_no_tap_pass 'echo SUCCESS'
fake d_no_tap_fail 'echo FAILED; exit 3'
fake e_skip 'printf "TAP version 13\n1..0 # SKIP no paravirt\n"; exit 4'
fake f_tap_not_ok_exit0 'printf "TAP version 13\n1..1\nnot ok 1 x\n"'
fake g_no_newline 'printf "(cs_prctl_test.c:287) - "; exit 1'
fake helper 'exit 99'
printf 'sched:%s\n' g_no_newline f_tap_not_ok_exit0 e_skip d_no_tap_fail \
	c_no_tap_pass b_tap_then_crash a_tap_pass >"$st/kselftest-list.txt"

runner_case() {
	local name=$1 dir=$2 want=$3 want_rc=$4 out rc=0
	shift 4
	# No cgroup: the host's cgroups are not ours to change.
	out=$(env VFOLD_CGROUP= TMPDIR="$scratch" "$@" /bin/busybox sh "$top/guest/run-tests" "$dir" 2>&1) || rc=$?
	printf '%s\n' "$out" >"$scratch/runner.log"
	local got
	got=$("$parse" "$scratch/runner.log" | tail -1) || true
	if [ "$got" = "$want" ] && [ "$rc" -eq "$want_rc" ]; then
		record 1 "run-tests: $name" ""
	else
		record 0 "run-tests: $name" "want '$want' exit $want_rc, got '$got' exit $rc:"$'\n'"$out"
	fi
}
runner_case "every rule, listed programs only" "$st" \
	"4 passed, 4 failed, 1 skipped" 1 VFOLD_TEST_TIMEOUT=30
if grep -q '^not ok 7 selftests: sched: g_no_newline # exit code 1$' "$scratch/runner.log"; then
	record 1 "run-tests: result line after output without newline" ""
else
	record 0 "run-tests: result line after output without newline" "$(cat "$scratch/runner.log")"
fi

ok_dir=$scratch/ok
mkdir -p "$ok_dir"
cp "$st/a_tap_pass" "$st/c_no_tap_pass" "$ok_dir/"
printf 'sched:%s\n' a_tap_pass c_no_tap_pass >"$ok_dir/kselftest-list.txt"
runner_case "all pass" "$ok_dir" "3 passed, 0 failed, 0 skipped" 0 VFOLD_TEST_TIMEOUT=30

slow=$scratch/slow
mkdir -p "$slow"
# exec: without the guest's cgroup, a child sleep would hold the pipe.
printf '#!/bin/sh\nexec sleep 30\n' >"$slow/sleeper"
chmod +x "$slow/sleeper"
echo sched:sleeper >"$slow/kselftest-list.txt"
runner_case "per-program timeout" "$slow" "0 passed, 1 failed, 0 skipped" 1 VFOLD_TEST_TIMEOUT=1
if grep -q '^not ok 1 selftests: sched: sleeper # timed out after 1s$' "$scratch/runner.log"; then
	record 1 "run-tests: timeout is named" ""
else
	record 0 "run-tests: timeout is named" "$(cat "$scratch/runner.log")"
fi

mkdir -p "$scratch/empty"
runner_case "empty list" "$scratch/empty" "0 passed, 1 failed, 0 skipped" 1

# run-vm.sh must refuse these before it looks for KVM or starts QEMU.
vm_case() {
	local name=$1 rc=0 out
	shift
	out=$("$top/scripts/run-vm.sh" --log "$scratch/vm.log" "$@" 2>&1) || rc=$?
	if [ "$rc" -eq 252 ] && ! grep -q '^qemu-system' <<<"$out"; then
		record 1 "run-vm: rejects $name" ""
	else
		record 0 "run-vm: rejects $name" "want exit 252 before QEMU, got $rc:"$'\n'"$out"
	fi
}
vm_case "a double quote" -- echo '"hi"'
vm_case "a newline" -- $'echo a\necho b'
vm_case "no command"
vm_case "cpus not a multiple of threads x nodes" --cpus 3 -- true
vm_case "memory not divisible by nodes" --nodes 2 --mem 1001 -- true
vm_case "an unknown option" --cpu 4 -- true
vm_case "a missing kernel" --kernel "$scratch/no-bzImage" -- true
vm_case "a bad accel" --accel xen -- true

echo "TAP version 13"
echo "1..${#results[@]}"
printf '%s\n' "${results[@]}"
echo "# host tests: ${#results[@]} cases, $failed failed"
[ "$failed" -eq 0 ]
