#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check-man.sh - each program's man page against its --help, as TAP.
#
# Usage: tests/check-man.sh (from src/; `make check` runs it)
#
# For each program P of $VFOLD_PROGRAMS (default: the Makefile's
# PROGRAMS), built as ${VFOLD_B}P/P, the page P/P.N (N 1..8) must exist,
# format without a warning (groff -ww, man --warnings), spell its options
# \- (a bare - is a hyphen), and document exactly the options and commands
# that `P --help` lists:
#  - an option of --help is any --name, and any -x standing alone (after
#    a blank, "(", "[" or ",", before a blank, ",", ")", "]" or "=");
#  - a command of --help is the lower-case word after P and its bracketed
#    options on a usage line ("Usage: P wake ...", "  P [options] pipe"),
#    and each line " word" or "  word" (one or two blanks) of a
#    "Commands:" section, up to its blank line;
#  - an option of the page is one in bold in its OPTIONS or COMMANDS
#    section; a command of the page is the bold lower-case word that
#    starts a line (a .TP tag, an .SS heading) of its COMMANDS section,
#    after P if the tag names P too.
# The page is read as groff prints it (bold as overstrike), so that .B,
# .BR, .TP tags and \fB all count. Fixtures at the end check that a
# missing option or command is caught in either direction.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
# shellcheck source-path=SCRIPTDIR source=../../tests/integration/lib/tap.sh
. ../tests/integration/lib/tap.sh

B=${VFOLD_B:-}
PROGRAMS=${VFOLD_PROGRAMS:-$(sed -n 's/^PROGRAMS := //p' Makefile)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# extract help|page PROG: "opt NAME" and "cmd NAME" lines, sorted, from
# --help's text or groff's overstruck output on stdin.
# shellcheck disable=SC2016  # Perl's variables
extract_pl='
use strict; use warnings;
my ($what, $prog) = @ARGV[0, 1];
my (%opt, %cmd);
my $optre = qr/(?:^|(?<=[\s(\[,]))(--[a-z0-9][a-z0-9-]*|-[A-Za-z](?=[\s,)\]=]|$))/;
if ($what eq "help") {
	my $in_cmds = 0;
	while (<STDIN>) {
		chomp;
		$opt{$1} = 1 while /$optre/g;
		$cmd{$1} = 1 if /^(?:Usage:|or:)?\s*\Q$prog\E\s+(?:\[[^]]*\]\s+)*([a-z][a-z0-9-]*)\b/;
		if (/^Commands:\s*$/) { $in_cmds = 1; next; }
		$in_cmds = 0 if /^\s*$/ || /^\S/;
		$cmd{$1} = 1 if $in_cmds && /^ {1,2}([a-z][a-z0-9-]*)\b/;
	}
} else {
	my $sect = "";
	while (my $line = <STDIN>) {
		chomp $line;
		# Bold runs in braces, underlining and overstrike dropped.
		$line =~ s/_\x08(.)/$1/g;
		$line =~ s{((?:([^\x08])\x08\2)+)}{my $r = $1; $r =~ s/.\x08//g; "\x01$r\x02"}ge;
		$line =~ s/\x02( +)\x01/$1/g;
		if ($line =~ /^\x01([^\x02]*)\x02/) { $sect = $1; next; }
		next unless $sect =~ /OPTIONS|COMMANDS/;
		while ($line =~ /\x01([^\x02]*)\x02/g) {
			my $bold = $1;
			$opt{$1} = 1 while $bold =~ /$optre/g;
		}
		next unless $sect =~ /COMMANDS/;
		if ($line =~ /^ *\x01(?:\Q$prog\E )?([a-z][a-z0-9-]*)(?=[\s\x02])/) {
			$cmd{$1} = 1 if $1 ne $prog;
		}
	}
}
print "opt $_\n" for sort keys %opt;
print "cmd $_\n" for sort keys %cmd;
'

extract() {
	perl -e "$extract_pl" "$@" | LC_ALL=C sort
}

# render PAGE: what groff prints, bold overstruck, one paragraph a line.
render() {
	groff -man -Tascii -P-c -rLL=2000n -rHY=0 "$1" 2>/dev/null
}

# compare PROG HELP_FILE PAGE_FILE OUT: status 0 if the page documents
# exactly what the help lists; OUT gets the differences.
compare() {
	local prog=$1 help=$2 page=$3 out=$4
	extract help "$prog" <"$help" >"$tmp/h"
	render "$page" | extract page "$prog" >"$tmp/p"
	LC_ALL=C comm -23 "$tmp/h" "$tmp/p" | sed 's/^/in --help, not in the page: /' >"$out"
	LC_ALL=C comm -13 "$tmp/h" "$tmp/p" | sed 's/^/in the page, not in --help: /' >>"$out"
	[ -s "$tmp/h" ] || echo "no option or command found in --help" >>"$out"
	[ ! -s "$out" ]
}

# lint PAGE OUT: groff's and man's warnings, and options spelled with a
# bare - (outside comments and after the font escapes are dropped).
lint() {
	local page=$1 out=$2
	groff -man -ww -z "$page" >"$out" 2>&1
	MANWIDTH=80 man --warnings -l -Tutf8 "$page" 2>>"$out" >/dev/null
	grep -v '^\.\\"' "$page" |
		sed -e 's/\\f\[[A-Z]*\]//g' -e 's/\\f[BIRP]//g' |
		grep -nE '(^|[^\\[:alnum:]])--?[[:alpha:]]' |
		sed 's/^/bare "-", write "\\-": /' >>"$out"
	[ ! -s "$out" ]
}

for p in $PROGRAMS; do
	pages=("$p/$p".[1-8])
	if [ ! -f "${pages[0]}" ]; then
		echo "no man page $p/$p.[1-8]" >"$tmp/out"
		check 1 "$p: man page" "$tmp/out"
		continue
	fi
	page=${pages[0]}
	check 0 "$p: man page $page"
	lint "$page" "$tmp/out"
	check $? "$p: $page formats without warnings" "$tmp/out"
	if ! "$B$p/$p" --help >"$tmp/help" 2>&1; then
		check 1 "$p: $B$p/$p --help" "$tmp/help"
		continue
	fi
	compare "$p" "$tmp/help" "$page" "$tmp/out"
	check $? "$p: $page documents the options and commands of --help" \
		"$tmp/out"
done

# Fixtures: a program "fx" whose page must match its help.
cat >"$tmp/fx.help" <<'EOF'
Usage: fx [OPTION]... COMMAND
  -a, --alpha N    a
  --beta           b

Commands:
  start            start it,
                   really
 stop             stop it
EOF
cat >"$tmp/fx.8" <<'EOF'
.TH FX 8
.SH NAME
fx \- a fixture
.SH OPTIONS
.TP
.BR \-a ", " \-\-alpha =\fIN\fR
a
.TP
.B \-\-beta
b
.SH COMMANDS
.TP
.B fx start
start it
.TP
.B stop
stop it, unlike
.B start
.SH SEE ALSO
.BR \-\-gamma
is not an option: not in OPTIONS or COMMANDS.
EOF
compare fx "$tmp/fx.help" "$tmp/fx.8" "$tmp/out"
check $? "fixture: a page that matches its --help passes" "$tmp/out"

# fixture_fails DESCRIPTION SED_SCRIPT FILE: FILE changed by SED_SCRIPT
# must make the comparison fail.
fixture_fails() {
	local desc=$1 script=$2 file=$3 help=$tmp/fx.help page=$tmp/fx.8
	sed "$script" "$tmp/$file" >"$tmp/broken"
	if [ "$file" = fx.8 ]; then page=$tmp/broken; else help=$tmp/broken; fi
	! compare fx "$help" "$page" "$tmp/out"
	check $? "fixture: $desc is caught"
}
fixture_fails "an option missing from the page" '/\\-\\-beta/d' fx.8
fixture_fails "a short option missing from the page" 's/\\-a ", " //' fx.8
fixture_fails "an option missing from --help" '/--beta/d' fx.help
fixture_fails "a command missing from the page" '/^\.B stop/d' fx.8
fixture_fails "a command missing from --help" '/^ stop/d' fx.help

printf '.TH BAD 8\n.SH OPTIONS\n.B -x\n.BOGUS\n' >"$tmp/bad.8"
! lint "$tmp/bad.8" "$tmp/out"
check $? "fixture: a bare - and an unknown macro are caught"

tap_end
