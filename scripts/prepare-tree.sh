#!/usr/bin/env bash
# prepare-tree.sh - make build/linux a git tree of the pinned kernel source
# with the series in patches/ applied.
#
# Usage: scripts/prepare-tree.sh [--force]
#
# The base commit (tag vfold-base) is the pinned tarball with Debian's
# packaging rule "/*" dropped from .gitignore, so files the series adds
# can be committed. It is made with a fixed author and date, so its hash
# is the same on every machine and `--base` in the patches names it.
#
# A tree already holding exactly patches/ is left alone. A tree with
# commits or edits that are not in patches/ is not overwritten: export
# them first (make export-series), or pass --force to drop them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
# shellcheck source=../kernel/pin.env
. "$top/kernel/pin.env"
# shellcheck source=lib/series.sh
. "$top/scripts/lib/series.sh"
force=0
[ "${1:-}" = --force ] && force=1

die() { echo "prepare-tree: $*" >&2; exit 1; }

make_base() {
	[ -f "$LINUX_SOURCE_TARBALL" ] ||
		die "$LINUX_SOURCE_TARBALL missing; run scripts/install-deps.sh"
	local sum
	sum=$(sha256sum "$LINUX_SOURCE_TARBALL" | cut -d' ' -f1)
	if [ "$sum" != "$LINUX_SOURCE_SHA256" ]; then
		if [ "${VFOLD_ALLOW_REPIN:-0}" != 1 ]; then
			die "tarball sha256 $sum is not the pinned $LINUX_SOURCE_SHA256
(package $LINUX_SOURCE_VERSION). Install the pinned version, or re-pin:
put the installed version and this sha256 in kernel/pin.env."
		fi
		echo "prepare-tree: WARNING: unpinned kernel source $sum" >&2
	fi

	rm -rf "$tree"
	mkdir -p "$tree"
	echo "prepare-tree: extracting $LINUX_SOURCE_TARBALL"
	tar -xJf "$LINUX_SOURCE_TARBALL" -C "$tree" --strip-components=1
	# Debian's tarball ends .gitignore with "ignore everything at the top
	# level"; drop that block so new files show up in git status.
	sed -i -e '/^# Debian packaging: ignore everything/,$d' \
		"$tree/.gitignore"

	export GIT_AUTHOR_NAME=vfold GIT_AUTHOR_EMAIL=vfold@localhost
	export GIT_COMMITTER_NAME=vfold GIT_COMMITTER_EMAIL=vfold@localhost
	export GIT_AUTHOR_DATE='2000-01-01T00:00:00Z'
	export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
	git -C "$tree" init -q -b vfold
	git -C "$tree" config core.autocrlf false
	git -C "$tree" add -f -A
	git -C "$tree" commit -q -m "Linux $LINUX_SOURCE_VERSION (Debian $LINUX_SOURCE_PACKAGE)

Source: $LINUX_SOURCE_TARBALL, sha256 $sum.
Debian's top-level ignore-everything rule is dropped from .gitignore."
	git -C "$tree" tag -f vfold-base >/dev/null
}

# The cover letter's text lives in the repo; format-patch takes it from
# the branch description.
set_cover_letter() {
	git -C "$tree" config branch.vfold.description \
		"$(cat "$top/kernel/cover-letter.txt")"
}

apply_series() {
	local files
	mapfile -t files < <(series_files)
	git -C "$tree" checkout -q -f -B vfold vfold-base
	set_cover_letter
	if [ ${#files[@]} -gt 0 ]; then
		git -C "$tree" -c user.name=vfold -c user.email=vfold@localhost \
			am -q --keep-cr --committer-date-is-author-date "${files[@]}" || {
			git -C "$tree" am --abort || true
			die "the series does not apply to $LINUX_SOURCE_VERSION.
If the base was re-pinned, rebase the series in build/linux and export it."
		}
	fi
	series_mark_applied
	echo "prepare-tree: applied ${#files[@]} patches on vfold-base"
}

if ! git -C "$tree" rev-parse -q --verify vfold-base >/dev/null 2>&1; then
	make_base
	apply_series
	exit 0
fi

read -r applied_hash applied_head <"$tree/.git/vfold-applied" 2>/dev/null ||
	applied_hash=none
head=$(git -C "$tree" rev-parse HEAD)
if [ "$applied_hash" = "$(series_hash)" ] && [ "$applied_head" = "$head" ] &&
	git -C "$tree" diff --quiet HEAD; then
	exit 0
fi

if [ $force -eq 0 ]; then
	if ! git -C "$tree" diff --quiet HEAD; then
		die "build/linux has uncommitted changes; commit and export them
(make export-series) or rerun with --force to drop them."
	fi
	if [ "$applied_head" != "$head" ]; then
		die "build/linux has commits not exported to patches/;
run make export-series, or rerun with --force to drop them."
	fi
fi
apply_series
