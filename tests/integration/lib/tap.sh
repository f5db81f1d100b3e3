# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# tap.sh - TAP helpers the integration scripts source.
#
#   check STATUS DESCRIPTION [DETAIL_FILE]   "ok N" if STATUS is 0, else
#                                            "not ok N" and the file as
#                                            "# " comments
#   skip DESCRIPTION REASON                  "ok N - ... # SKIP REASON"
#   until_ok SECONDS COMMAND...              retry COMMAND every 0.1 s
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
	[ -n "$detail" ] && [ -f "$detail" ] && sed 's/^/# /' "$detail"
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

until_ok() {
	local tries=$(($1 * 10))
	while [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

tap_end() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
