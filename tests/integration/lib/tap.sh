# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# tap.sh - TAP helpers the integration scripts source.
#
#   check STATUS DESCRIPTION [DETAIL_FILE]   "ok N" if STATUS is 0, else
#                                            "not ok N" and the file as
#                                            "# " comments
#   skip DESCRIPTION REASON                  "ok N - ... # SKIP REASON"
#   until_ok SECONDS COMMAND...              run COMMAND until it succeeds,
#                                            every 0.1 s, at least once
#   tap_end                                  the plan; status 0 if all passed
#
# The plan comes last, as TAP allows, since the checks are counted as
# they run.

tap_n=0
tap_failed=0

check() {
	local status=$1 desc=$2 detail=${3:-}
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $desc"
		return
	fi
	echo "not ok $tap_n - $desc"
	tap_failed=$((tap_failed + 1))
	# An if, not &&: a false test must not fail the call under set -e.
	if [ -n "$detail" ] && [ -f "$detail" ]; then
		sed 's/^/# /' "$detail"
	fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

until_ok() {
	local tries=$(($1 * 10))
	while :; do
		"${@:2}" && return 0
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

tap_end() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
