#!/usr/bin/env bash
# build-deb.sh - the userspace's Debian packages, checked by lintian.
#
# Usage: scripts/build-deb.sh
#
# Builds vfold-host, vfold-guest and vfold-bench (debian/) with
# `dpkg-buildpackage -b -us -uc` in a clean export of the tree: HEAD
# (git archive) plus the working tree's modified and untracked files that
# git does not ignore, less its deleted ones, so that nothing built in
# src/ leaks in and a fresh clone builds the same. The export is
# build/deb/src/vfold-VERSION; its log build/deb/build.log.
#
# VERSION is debian/changelog's release with the commit: for release
# 0.1.0, 0.1.0~gitYYYYMMDD.N.HASH (N commits to HEAD, its date in UTC;
# +dirty with uncommitted changes). The ~ sorts every snapshot before the
# release itself, N orders two snapshots of a day, and HASH names the
# commit. The changelog's top entry gets it, dated as the commit.
#
# The .debs (with their -dbgsym), .buildinfo and .changes go to
# build/deb/; `lintian --fail-on error,warning` then checks the .changes
# (every package), its output in build/deb/lintian.log.
# Exit codes: 1 the build failed, 2 lintian found an error or a warning.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
export_dir=$out/src

release=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
release=${release%%~*}
hash=$(git -C "$top" rev-parse --short=7 HEAD)
day=$(TZ=UTC git -C "$top" log -1 --date=format-local:%Y%m%d --format=%cd)
count=$(git -C "$top" rev-list --count HEAD)
version=$release~git$day.$count.$hash
# Changed since HEAD, staged or not (deleted among them), and untracked,
# not ignored.
mapfile -d '' changed < <(git -C "$top" diff -z --name-only HEAD;
	git -C "$top" ls-files -z --others --exclude-standard)
[ ${#changed[@]} -eq 0 ] || version+=+dirty

echo "build-deb: vfold $version"
mkdir -p "$out"
rm -rf "$export_dir"
# Only this package's files: build/deb holds the kernel's too.
rm -f "$out"/vfold[-_]*.deb "$out"/vfold_*.buildinfo "$out"/vfold_*.changes
tree=$export_dir/vfold-$version
mkdir -p "$tree"
git -C "$top" archive --format=tar HEAD | tar -x -C "$tree"
for f in "${changed[@]}"; do
	if [ -e "$top/$f" ] || [ -L "$top/$f" ]; then
		mkdir -p "$tree/$(dirname "$f")"
		cp -a "$top/$f" "$tree/$f"
	else
		rm -f "$tree/$f"
	fi
done

date=$(git -C "$top" log -1 --format=%cD)
sed -i -e "1s/^vfold ([^)]*)/vfold ($version)/" \
	-e "0,/^ -- /s/^\( -- .*>\)  .*/\1  $date/" "$tree/debian/changelog"

log=$out/build.log
echo "build-deb: dpkg-buildpackage -b -us -uc in $tree (log: $log)"
if ! (cd "$tree" && dpkg-buildpackage -b -us -uc) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "build-deb: dpkg-buildpackage failed, see $log" >&2
	exit 1
fi
mv "$export_dir"/*.deb "$export_dir"/*.buildinfo "$export_dir"/*.changes "$out/"
ls -l "$out"/*.deb

changes=$(echo "$out"/vfold_"$version"_*.changes)
[ -f "$changes" ] || { echo "build-deb: no $changes" >&2; exit 1; }
echo "build-deb: lintian --fail-on error,warning $changes"
rc=0
lintian --fail-on error,warning --display-info "$changes" \
	>"$out/lintian.log" 2>&1 || rc=$?
cat "$out/lintian.log"
if [ "$rc" -ne 0 ]; then
	echo "build-deb: lintian found errors or warnings (exit $rc)" >&2
	exit 2
fi
debs=("$out"/vfold[-_]*.deb)
echo "build-deb: lintian clean: ${#debs[@]} packages in $out"
