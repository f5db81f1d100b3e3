# shellcheck shell=bash
# kbuild.sh - what build-kernel.sh and build-deb-kernel.sh share about
# building a kernel. Source it after setting $top (the checkout).

# Compiles through ccache, cached outside the checkout in
# $VFOLD_CCACHE_DIR (default ~/.cache/vfold/ccache), with paths relative
# to $top in the cache key so that another clone hits the same entries;
# and a fixed build user, host and timestamp, so that a rebuild of the
# same tree is the same kernel.
kbuild_env() {
	export CCACHE_DIR=${VFOLD_CCACHE_DIR:-$HOME/.cache/vfold/ccache}
	export CCACHE_BASEDIR=$top
	export CCACHE_NOHASHDIR=1
	export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
	export KBUILD_BUILD_USER=vfold KBUILD_BUILD_HOST=vfold
	export KBUILD_BUILD_TIMESTAMP='2000-01-01'
	mkdir -p "$CCACHE_DIR"
}
