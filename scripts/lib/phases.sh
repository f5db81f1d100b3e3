# shellcheck shell=bash
# phases.sh - what run-tests.sh (make test) and test-arch.sh share: timed
# phases and the tally of results. Source it after setting $top, $out
# (where NAME.results go) and $prog (the name failures are printed with).
#
#   phase NAME CMD...          run CMD as phase NAME, timing it
#   fail TEXT                  count a failure and print it
#   count_results WHAT LOG ARGS...
#                              add parse-results.py's "N passed, N failed,
#                              N skipped" for LOG; a skip counts as a
#                              failure (an expected one is passed in ARGS)
#   finish                     print the times and the totals; exit 0 only
#                              if nothing failed

passed=0
failed=0
times=()

phase() {
	local name=$1 start=$SECONDS
	shift
	echo "== $name"
	"$@"
	local rc=$?
	times+=("$name $((SECONDS - start))s")
	return $rc
}

fail() {
	echo "$prog: FAILED: $*" >&2
	failed=$((failed + 1))
}

count_results() {
	local what=$1 log=$2 line p f s
	shift 2
	"$top/scripts/parse-results.py" "$@" "$log" >"$out/$what.results"
	cat "$out/$what.results"
	line=$(tail -n 1 "$out/$what.results")
	if [[ ! $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		fail "$what: no result line from parse-results.py"
		return
	fi
	p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
	echo "$what: $p passed, $f failed, $s skipped"
	passed=$((passed + p))
	failed=$((failed + f + s))
	[ "$s" -eq 0 ] || echo "$prog: $what: $s skipped tests count as failed" >&2
}

finish() {
	echo "== times: ${times[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
