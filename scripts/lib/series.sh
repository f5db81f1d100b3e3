# shellcheck shell=bash
# series.sh - what prepare-tree.sh and export-series.sh share about the
# series in patches/ and the tree in build/linux. Source it after setting
# $top (the checkout) and $tree (build/linux).

# The patch files of the series, in order, without the cover letter.
series_files() {
	find "$top/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-cover-letter.patch' | sort
}

# A hash of the series' messages and diffs, not of format-patch's headers.
series_hash() {
	local f
	series_files | while read -r f; do
		sed -e '/^From [0-9a-f]\{40\} /d' -e '/^Date: /d' \
			-e '/^-- $/,$d' "$f"
	done | sha256sum | cut -d' ' -f1
}

# Record that build/linux's HEAD is exactly the series in patches/.
series_mark_applied() {
	printf '%s %s\n' "$(series_hash)" "$(git -C "$tree" rev-parse HEAD)" \
		>"$tree/.git/vfold-applied"
}
