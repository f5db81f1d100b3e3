# vfold: cooperative vCPU folding for Linux guests.
# `make test` and `make demo` install what they need; see README.md.

SCRIPTS := scripts

.PHONY: all deps prepare-tree kernel kernel-prod kernel-bench initramfs \
	export-series check-series check-sched-ext test host-test demo \
	bench-drain bench-governor bench-overcommit bench-overhead \
	bench-report vm userspace unit-test install clean help

all: test

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## deps           install missing Debian packages (root), or print the command
deps:
	$(SCRIPTS)/install-deps.sh

## prepare-tree   build/linux: the pinned kernel source + patches/, as git
prepare-tree: deps
	$(SCRIPTS)/prepare-tree.sh

## kernel         build the test kernel (lock debugging) in build/kernel-debug
kernel: prepare-tree
	$(SCRIPTS)/build-kernel.sh debug

## kernel-prod    build the benchmark kernel (no lock debugging)
kernel-prod: prepare-tree
	$(SCRIPTS)/build-kernel.sh prod

## kernel-bench   the overcommit benchmark's kernels: prod plus the debugfs
##                steal input, with the series and without (unpatched)
kernel-bench: prepare-tree
	$(SCRIPTS)/build-kernel.sh bench
	$(SCRIPTS)/build-kernel.sh --unpatched bench

## initramfs      build the guest initramfs (busybox, tests, tools)
initramfs: prepare-tree
	$(SCRIPTS)/build-initramfs.sh

## export-series  write build/linux's commits back to patches/
export-series:
	$(SCRIPTS)/export-series.sh

## check-series   checkpatch --strict every patch; build at every patch
check-series: deps
	$(SCRIPTS)/check-series.sh

## check-sched-ext boot a BTF kernel with a BPF scheduler (scx_simple): it
##                and the paravirt CPUs exclude each other (~20 min cold)
check-sched-ext: prepare-tree kernel
	$(SCRIPTS)/check-sched-ext.sh

## userspace      build vfold-hintd and vfold-agent (src/)
userspace: deps
	$(MAKE) -C src

## unit-test      the userspace's cmocka unit tests (TAP)
unit-test: deps
	$(MAKE) -s -C src check

## install        install the userspace programs (PREFIX, DESTDIR)
install:
	$(MAKE) -C src install

## host-test      the harness's own unit tests (no VM)
host-test:
	tests/host/run.sh

## test           everything: build, boot, KUnit, selftests; "N passed, N failed"
test:
	$(SCRIPTS)/run-tests.sh

## demo           boot a guest and fold/unfold CPUs through the paravirt file
demo: kernel initramfs
	$(SCRIPTS)/demo.sh

## bench-drain    time how fast paravirt CPUs drain and refill (~10 min)
bench-drain: kernel-prod initramfs
	$(SCRIPTS)/bench-drain.sh

## bench-governor time the steal governor's fold and give-back (~4 min;
##                debug kernel: only it has the steal injection)
bench-governor: kernel initramfs
	$(SCRIPTS)/bench-governor.sh

## bench-overcommit workloads in 2 guests on this host's 2 CPUs: unpatched,
##                off, oracle fold, hintd, steal governor, upstream rule;
##                writes docs/results.md (~1 h; ARGS='--reps 1' is shorter)
bench-overcommit: kernel-bench initramfs userspace
	$(SCRIPTS)/bench-overcommit.py $(ARGS)

## bench-overhead the series' cost with nothing marked, unpatched vs off vs
##                key on, under -icount; writes docs/results.md (~15 min)
bench-overhead: kernel-prod initramfs
	$(SCRIPTS)/build-kernel.sh --unpatched prod
	$(SCRIPTS)/bench-overhead.py $(ARGS)

## bench-report   docs/results.md and its plots from the saved data only
bench-report: deps
	$(SCRIPTS)/bench-report.py

## vm             boot the test kernel to a guest command: make vm CMD='...'
vm: kernel initramfs
	$(SCRIPTS)/run-vm.sh -- $(or $(CMD),true)

## clean          remove build outputs (keeps build/linux and the ccache)
clean:
	rm -rf build/kernel-* build/test build/vm build/initramfs* build/selftests build/bench
	$(MAKE) -C src clean
