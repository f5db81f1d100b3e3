#!/usr/bin/env bash
# export-series.sh - write build/linux's commits since vfold-base to
# patches/ as the series, with a cover letter.
#
# Usage: scripts/export-series.sh
#
# The cover letter's text is kernel/cover-letter.txt (first line: the
# subject; then the body); edit it there, not in patches/. Old patch files
# are replaced, so patches/ holds exactly the tree's series afterwards.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
# shellcheck source=lib/series.sh
. "$top/scripts/lib/series.sh"

die() { echo "export-series: $*" >&2; exit 1; }

git -C "$tree" rev-parse -q --verify vfold-base >/dev/null ||
	die "no build/linux tree; run scripts/prepare-tree.sh"
git -C "$tree" diff --quiet HEAD ||
	die "build/linux has uncommitted changes; commit them first"
[ "$(git -C "$tree" rev-list --count vfold-base..HEAD)" -gt 0 ] ||
	die "no commits on top of vfold-base"

git -C "$tree" config branch.vfold.description \
	"$(cat "$top/kernel/cover-letter.txt")"
find "$top/patches" -maxdepth 1 -name '*.patch' -delete
git -C "$tree" format-patch -q --cover-letter --cover-from-description=subject \
	--base=vfold-base --no-signature -o "$top/patches" vfold-base..HEAD
series_mark_applied
ls "$top/patches"
