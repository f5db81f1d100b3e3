# vfold: cooperative vCPU folding for Linux guests.
# `make test` and `make demo` install what they need; see README.md.

SCRIPTS := scripts

.PHONY: all deps prepare-tree kernel kernel-prod kernel-bench kernel-torture initramfs \
	export-series check-series check-sched-ext test torture test-arch host-test demo tour \
	bench-drain bench-governor bench-alternatives bench-overcommit bench-overhead \
	bench-report vm userspace unit-test fuzz install deb deb-userspace deb-kernel test-deb clean help

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

## kernel-torture the torture kernel: debug plus the hung-task detector,
##                seccomp filters and SysRq (build/kernel-torture); with
##                KASAN=1 also generic KASAN (build/kernel-torture-kasan)
TORTURE_FLAVOR := torture$(if $(filter 1,$(KASAN)),-kasan)
kernel-torture: prepare-tree
	$(SCRIPTS)/build-kernel.sh $(TORTURE_FLAVOR)

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

## fuzz           the userspace's parsers under libFuzzer, FUZZ_SECONDS
##                each (default 15; docs/fuzzing.md)
fuzz: deps
	$(MAKE) -s -C src fuzz

## install        install the userspace programs (PREFIX, DESTDIR)
install:
	$(MAKE) -C src install

## deb            every Debian package into build/deb: deb-userspace and
##                deb-kernel (about an hour cold: the kernel)
deb: deb-userspace deb-kernel

## deb-kernel     linux-image and linux-headers of Debian's 6.12 with the
##                series, from Debian's cloud-amd64 config (ARGS='--flavour
##                amd64' for the generic one; ARGS=--config-only to make and
##                check the config alone, in seconds)
deb-kernel: prepare-tree
	$(SCRIPTS)/build-deb-kernel.sh $(ARGS)

## test-deb       the packages as an operator uses them: the userspace's
##                installed into and purged from a Debian 12 root, the
##                packaged kernel and vfold-guest booted there (~5 min)
test-deb: deb userspace
	tests/deb/install-remove.sh
	tests/deb/boot-packaged.sh

## deb-userspace  vfold-host, vfold-guest, vfold-bench .debs into build/deb,
##                lintian-clean (dpkg-buildpackage in a clean export)
deb-userspace: deps
	$(SCRIPTS)/build-deb.sh

## host-test      the harness's own unit tests (no VM)
host-test:
	tests/host/run.sh

## test           everything: build, boot, KUnit, selftests; "N passed, N failed"
test:
	$(SCRIPTS)/run-tests.sh

## test-arch      the series on arm64 (-M virt) and ppc64le (-M pseries):
##                cross-build, boot under TCG, KUnit and selftests (~1 h cold)
test-arch: prepare-tree
	$(SCRIPTS)/test-arch.sh $(ARCHES)

## torture        vfold-torture in a torture-kernel guest for TORTURE_MIN
##                minutes (default 10): mask, governor, hotplug, cpusets,
##                affinity, churn, RT/DL at once, invariants checked;
##                KASAN=1 boots the KASAN kernel (slower: see docs/torture.md)
TORTURE_MIN ?= 10
torture: kernel-torture initramfs
	TORTURE_MIN=$(TORTURE_MIN) $(SCRIPTS)/torture.sh \
		--kernel $(CURDIR)/build/kernel-$(TORTURE_FLAVOR)/arch/x86/boot/bzImage $(ARGS)

## demo           the gain: two 4-vCPU guests on 2 host CPUs run hackbench
##                with vfold and without, shown live, then side by side
##                (~3 min warm; ARGS='--seconds 60' measures longer)
demo: deps
	@echo "demo: building the guest kernel, the initramfs and the programs" \
		"(cold: ~10 min, warm: seconds)"
	@$(MAKE) -s kernel-prod initramfs userspace
	$(SCRIPTS)/demo.py $(ARGS)

## tour           boot a guest and fold/unfold CPUs through the paravirt file
tour: kernel initramfs
	$(SCRIPTS)/tour.sh

## bench-drain    time how fast paravirt CPUs drain and refill (~10 min)
bench-drain: kernel-prod initramfs
	$(SCRIPTS)/bench-drain.sh

## bench-governor time the steal governor's fold and give-back (~4 min;
##                debug kernel: only it has the steal injection)
bench-governor: kernel initramfs
	$(SCRIPTS)/bench-governor.sh

## bench-alternatives fold by marking, CPU hotplug and a cpuset partition:
##                time each, and its effect on a pinned task (~3 min)
bench-alternatives: kernel-prod initramfs
	$(SCRIPTS)/bench-alternatives.sh $(ARGS)

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
	rm -rf build/kernel-* build/test build/test-arch build/vm build/initramfs* \
		build/selftests build/selftests-* build/busybox-* build/apt-* build/bench \
		build/fuzz
	$(MAKE) -C src clean
