#!/usr/bin/env bash
# doc-commands.sh - scripts/check-doc-commands.py on made-up docs, then
# on the real ones; prints TAP.
#
# Usage: tests/host/doc-commands.sh
#
# In a scratch repository (a Makefile, a fake test runner, marked and
# unmarked tests), each rule of the checker has a case that must pass
# and one that must fail, named by its file and line: a made-up command,
# a make target that does not exist, a marker in a file that make test
# does not run, a marker whose runner no longer runs it, a marker naming
# no documented command, an option a program lacks, an exempt command
# naming a unit that does not exist. Data blocks (options, INI, JSON, a
# program's output) must yield no commands. Last, README.md and docs/*.md
# of this repository must pass. Scratch files go to
# build/host-tests/doc-commands/. Exit code 0 if every case passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
checker=$top/scripts/check-doc-commands.py
s=$top/build/host-tests/doc-commands
rm -rf "$s"
mkdir -p "$s/docs" "$s/scripts" "$s/tests/integration" "$s/guest"

echo "TAP version 13"
n=0
failed=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		sed 's/^/# /' "$s/out"
	fi
}

# checker_on ROOT DOC...: run the checker; its exit code in $rc.
checker_on() {
	local root=$1
	shift
	rc=0
	"$checker" --root "$root" "$@" >"$s/out" 2>&1 || rc=$?
}

# expect_fail NAME PATTERN: the last run exited 1 with a failed result
# matching PATTERN (a grep -E on "not ok" lines and the comments after).
expect_fail() {
	[ "$rc" -eq 1 ] && grep -A1 '^not ok' "$s/out" | grep -qE -- "$2"
	result $? "$1"
}

printf '.PHONY: real\nreal:\n\ttrue\n' >"$s/Makefile"
echo 'for t in tests/integration/*.sh; do bash "$t"; done' >"$s/scripts/run-tests.sh"
# The markers are printed, not written here: this file is a place where
# markers count.
m='# doc'
printf '%s: guest-tool --fold 2-3\nguest-tool --fold 2-3\n%s: long-tool --a \\\n#   --b\n' \
	"$m" "$m" >"$s/tests/integration/fake.sh"
# A file make test does not run: its marker must not count.
printf '# doc: demo-tool --go\n' >"$s/guest/demo"

doc=$s/docs/a.md
cat >"$doc" <<'EOF'
# A page

    make real              # a comment
    guest-tool --fold 2-3
    long-tool --a \
        --b
    VAR=1

Options and output are not commands:

    --flag N           what it does
    prog: a log line
    [section]
    key = value

```json
{"not": "a command"}
```

```sh
make real
```
EOF
checker_on "$s" "$doc"
[ "$rc" -eq 0 ] && [ "$(grep -c '^ok' "$s/out")" -eq 6 ] &&
	grep -q '^ok 1 - docs/a.md:3: make real$' "$s/out" &&
	grep -q '^ok 3 - docs/a.md:5: long-tool --a --b$' "$s/out" &&
	grep -q '^ok 5 - docs/a.md:21: make real$' "$s/out"
result $? "good doc: 5 commands pass (make -n, markers, a joined line, an assignment), data skipped"

printf 'Text.\n\n    frobnicate --now\n' >"$s/docs/b.md"
checker_on "$s" "$doc" "$s/docs/b.md"
expect_fail "a made-up command fails, named by file and line" \
	'^not ok [0-9]+ - docs/b.md:3: frobnicate --now$'

printf 'Text.\n\n    # make no-such-target\n' >"$s/docs/c.md"
checker_on "$s" "$s/docs/c.md"
expect_fail "a make target that does not exist fails" \
	'docs/c.md:3: make no-such-target|make -n fails: .*No rule'

printf 'Text.\n\n    demo-tool --go\n' >"$s/docs/d.md"
checker_on "$s" "$s/docs/d.md"
expect_fail "a marker in a file make test does not run does not count" \
	'docs/d.md:3: demo-tool --go'

printf '# doc: guest-tool --fold 2-3\n' >"$s/guest/doc-commands"
checker_on "$s" "$doc"
expect_fail "a marker in a guest file whose runner does not run it fails" \
	'guest/doc-commands: markers there do not count'
rm "$s/guest/doc-commands"

printf 'Text.\n\n    make real\n' >"$s/docs/e.md"
checker_on "$s" "$s/docs/e.md"
expect_fail "a marker that names no documented command fails" \
	'tests/integration/fake.sh:1: marker names no command of the docs: guest-tool --fold 2-3'

# A marker vouches for a make command only while its target exists: a
# test may run the script the target wraps, not the target.
printf '%s: make gone-target\n' "$m" >>"$s/tests/integration/fake.sh"
printf 'Text.\n\n    make gone-target\n' >"$s/docs/h.md"
checker_on "$s" "$doc" "$s/docs/h.md"
expect_fail "a marked make target that does not exist fails" \
	'make -n fails: .*gone-target'
sed -i '$d' "$s/tests/integration/fake.sh"

# Against this repository's programs and exemptions.
printf 'Text.\n\n    vfold-hintd --qmp-dir DIR --no-such-option\n    vfoldctl frobnicate\n' >"$s/docs/f.md"
checker_on "$top" "$s/docs/f.md"
expect_fail "an option a program lacks fails" \
	'vfold-hintd --help does not name --no-such-option'
expect_fail "a subcommand a program lacks fails" 'vfoldctl --help does not name frobnicate'

printf 'Text.\n\n    systemctl enable --now vfold-nosuchd\n    scripts/no-such.sh --x\n' >"$s/docs/g.md"
checker_on "$top" "$s/docs/g.md"
expect_fail "an exempt command naming a unit that does not exist fails" \
	'exempt, but no unit vfold-nosuchd.service'
expect_fail "a script that does not exist fails" 'scripts/no-such.sh: no such program'

checker_on "$top"
[ "$rc" -eq 0 ]
result $? "every command of README.md and docs/*.md is run by a test, checked or exempt"

echo "1..$n"
[ "$failed" -eq 0 ]
