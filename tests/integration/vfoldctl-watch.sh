#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vfoldctl-watch.sh - vfoldctl watch on a terminal (tmux) and off one;
# prints TAP.
#
# Usage: tests/integration/vfoldctl-watch.sh
#
# On a fake sysfs and procfs in a temporary directory, runs vfoldctl
# watch in a detached 100x30 tmux session (a server of its own) and
# checks that it shows a row per CPU, hides the cursor, shows CPUs folded
# once the fake paravirt file marks them, draws every frame over the last
# (its table head stands once in the pane and its scrollback, after
# several frames), and on C-c exits 0 with the cursor shown again. Then,
# with its output a pipe, that --count 2 prints two plain frames and
# --json two JSON lines. Last, in a narrow 60x12 pane whose heading is
# longer than a row, that frames are still drawn in place (the heading
# once in pane and scrollback). Needs tmux; builds vfoldctl. Exit code 0
# if every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
ctl=$top/src/vfoldctl/vfoldctl
dir=$(mktemp -d /tmp/vfoldctl-watch.XXXXXX)
sock=vfoldctl-watch-$$
head='CPU  STATE    STEAL%    PUSHES'

cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! command -v tmux >/dev/null; then
	echo "1..0 # SKIP no tmux (scripts/install-deps.sh installs it)"
	exit 0
fi
if ! make -s -C "$top/src" vfoldctl >"$dir/build.log" 2>&1; then
	check 1 "vfoldctl builds" "$dir/build.log"
	tap_end
	exit
fi

# Four CPUs online of six, the governor off, some steal since boot.
cpu=$dir/sys/devices/system/cpu
mkdir -p "$cpu/paravirt_governor" "$dir/proc"
echo 0-3 >"$cpu/online"
echo 0-5 >"$cpu/possible"
echo >"$cpu/paravirt"
echo off >"$cpu/paravirt_governor/mode"
echo "off steal hint smt" >"$cpu/paravirt_governor/available_modes"
cat >"$dir/proc/stat" <<'STAT'
cpu  400 0 200 1200 0 0 0 40 0 0
cpu0 100 0 50 300 0 0 0 10 0 0
cpu1 100 0 50 300 0 0 0 10 0 0
cpu2 100 0 50 300 0 0 0 10 0 0
cpu3 100 0 50 300 0 0 0 10 0 0
procs_running 1
STAT

# The tmux session the checks look at: w, then n (narrow).
win=w

pane() {
	tmux -L "$sock" capture-pane -p -t "$win" "$@"
}

# pane_has REGEX: the visible pane has a line matching REGEX.
pane_has() {
	pane | grep -qE "$1"
}

cursor() {
	tmux -L "$sock" display -p -t "$win" '#{cursor_flag}'
}

# The frame's heading, which holds the time to the second.
heading() {
	pane | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2} ' | head -n 1
}

folded_2_3() {
	pane_has '^  2  folded ' && pane_has '^  3  folded '
}

# heading_moved HEADING: the frame's heading is no longer HEADING.
heading_moved() {
	[ "$(heading)" != "$1" ]
}

# The pane outlives vfoldctl (sleep) so that its cursor can be read after.
tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 -s w \
	"$ctl watch --sysfs-root $dir/sys --proc-root $dir/proc \
	--interval-ms 200; echo \$? >$dir/rc; sleep 60"

until_ok 10 pane_has "^$head"
check $? "watch shows the table head"
pane >"$dir/pane"
rows=$(grep -cE '^  [0-3]  kept ' "$dir/pane")
offline=$(grep -cE '^  [45]  offline ' "$dir/pane")
[ "$rows" -eq 4 ] && [ "$offline" -eq 2 ]
check $? "a row per CPU: 4 kept, 2 offline (got $rows, $offline)" "$dir/pane"
[ "$(cursor)" = 0 ]
check $? "the cursor is hidden while watch runs"

echo 2-3 >"$cpu/paravirt"
until_ok 10 folded_2_3
st=$?
pane >"$dir/pane"
check $st "CPUs 2-3 show folded once the paravirt file marks them" \
	"$dir/pane"
pane_has '^  1  kept '
check $? "CPU 1 stays kept"
pane_has 'paravirt 2-3  mode off'
check $? "the heading shows the new mask"

# At 200 ms a frame, two changes of the heading's second are 5 frames
# or more: enough to fill the pane if frames were appended, not redrawn.
t0=$(heading)
until_ok 5 heading_moved "$t0" && t1=$(heading) &&
	until_ok 5 heading_moved "$t1"
check $? "the heading's time moves on (several frames drawn)"
pane -S - >"$dir/all"
n=$(grep -c "^$head" "$dir/all")
[ "$n" -eq 1 ]
check $? "redrawn in place: the table head once in pane and scrollback (got $n)" \
	"$dir/all"
n=$(grep -cE '^  2  ' "$dir/all")
[ "$n" -eq 1 ]
check $? "one row for CPU 2 in pane and scrollback (got $n)" "$dir/all"

tmux -L "$sock" send-keys -t w C-c
until_ok 10 test -s "$dir/rc"
rc=$(cat "$dir/rc" 2>/dev/null)
[ "$rc" = 0 ]
check $? "C-c: watch exits 0 (got ${rc:-nothing})"
[ "$(cursor)" = 1 ]
check $? "the cursor is shown again after watch"

# Off a terminal: plain frames one after the other.
"$ctl" watch --sysfs-root "$dir/sys" --proc-root "$dir/proc" \
	--interval-ms 50 --count 2 >"$dir/plain" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c "^$head" "$dir/plain")" -eq 2 ] &&
	[ "$(grep -cE '^  [23]  folded ' "$dir/plain")" -eq 4 ] &&
	! grep -q $'\033' "$dir/plain"
check $? "not a terminal: --count 2 prints 2 plain frames, exit 0" \
	"$dir/plain"
"$ctl" watch --json --sysfs-root "$dir/sys" --proc-root "$dir/proc" \
	--interval-ms 50 --count 2 >"$dir/json" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$dir/json")" -eq 2 ] &&
	[ "$(grep -c '^{"paravirt":"2-3",' "$dir/json")" -eq 2 ]
check $? "--json: one object a line" "$dir/json"

# A narrow pane, 60x12, eight CPUs online of twelve, four folded: the
# heading is longer than a row and the table fills the rest (8 rows and
# "(4 more CPUs)"). A heading that wrapped would make each frame a row
# too tall, and every frame would scroll a copy of itself off the top.
echo 0-7 >"$cpu/online"
echo 0-11 >"$cpu/possible"
echo 1,3,5,7 >"$cpu/paravirt"
for c in 4 5 6 7; do
	echo "cpu$c 100 0 50 300 0 0 0 10 0 0"
done >>"$dir/proc/stat"
win=n
tmux -L "$sock" -f /dev/null new-session -d -x 60 -y 12 -s n \
	"$ctl watch --sysfs-root $dir/sys --proc-root $dir/proc \
	--interval-ms 200; echo \$? >$dir/rc2; sleep 60"
until_ok 10 pane_has "^$head"
check $? "narrow pane: watch shows the table head"
t0=$(heading)
until_ok 5 heading_moved "$t0" && t1=$(heading) &&
	until_ok 5 heading_moved "$t1"
check $? "narrow pane: the heading's time moves on (several frames drawn)"
pane -S - >"$dir/narrow"
n=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2} ' "$dir/narrow")
[ "$n" -eq 1 ] && [ "$(grep -c "^$head" "$dir/narrow")" -eq 1 ]
check $? "narrow pane: heading and table head once in pane and scrollback (got $n)" \
	"$dir/narrow"
grep -q '^2[0-9-]* [0-9:]*  paravirt 1,3,5,7  mode off' "$dir/narrow" &&
	grep -q '^(4 more CPUs)' "$dir/narrow" &&
	[ "$(grep -cE '^  [1357]  folded ' "$dir/narrow")" -eq 4 ]
check $? "narrow pane: the heading cut at the width, 8 rows and the rest counted" \
	"$dir/narrow"
tmux -L "$sock" send-keys -t n C-c
until_ok 10 test -s "$dir/rc2"
[ "$(cat "$dir/rc2" 2>/dev/null)" = 0 ]
check $? "narrow pane: C-c, watch exits 0"

tap_end
