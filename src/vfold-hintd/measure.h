/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host sees of a VM: its vCPUs' run and wait time (from
 * /proc/PID/task/TID/schedstat, or from a backend that measures them
 * itself, as libvirt does), as CPUs over an interval.
 */
#ifndef VFOLD_HINTD_MEASURE_H
#define VFOLD_HINTD_MEASURE_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"	/* VFOLD_STEAL_MAX */

struct schedstat {
	uint64_t run_ns;	/* on a CPU */
	uint64_t wait_ns;	/* runnable, waiting for one */
};

/* "RUN WAIT SLICES\n" -> @s; 0 or -EINVAL. */
int schedstat_parse(const char *text, struct schedstat *s);

/* Reads @proc/@pid/task/@tid/schedstat; -ENOENT and such: thread gone. */
int schedstat_read(const char *proc, pid_t pid, pid_t tid,
		   struct schedstat *s);

/*
 * One vCPU's counters at one time. @key names the vCPU across samples:
 * its thread id, or its index where the threads are not known.
 */
struct vcpu_sample {
	long long key;
	bool ok;		/* false: not readable now (gone) */
	struct schedstat s;
};

/* A VM's last sample, to take deltas from. Zero it to start. */
struct measure {
	struct vcpu_sample *t;
	size_t n;
	uint64_t at_ns;		/* 0: no sample yet */
};

struct usage {
	double run, wait;	/* CPUs over the interval */
	unsigned int threads;	/* threads read now */
	unsigned int counted;	/* of them, with a good delta */
	bool valid;		/* there was a previous sample */
	/*
	 * Per vCPU (index of @tids): what KVM would show the guest as
	 * steal, steal_permille() of the thread's run and wait over the
	 * interval. Only for VMs of at most VFOLD_STEAL_MAX vCPUs (the
	 * protocol's bound); all 0 without a previous sample.
	 */
	bool has_steal;
	unsigned int nr_steal;
	uint16_t steal[VFOLD_STEAL_MAX];
};

/* 1000 * wait / (run + wait), rounded down; 0 when both are 0. */
unsigned int steal_permille(uint64_t run_ns, uint64_t wait_ns);

/*
 * Takes @cur, the @n vCPUs by index sampled at @now_ns, and fills @u with
 * the use since the last sample. A vCPU not read (!ok) or whose counters
 * went backwards counts as nothing this interval, and its steal as 0.
 * Returns 0 or -ENOMEM.
 */
int measure_update(struct measure *m, const struct vcpu_sample *cur,
		   size_t n, uint64_t now_ns, struct usage *u);

/* measure_update() with @tids of @pid read from @proc. */
int measure_sample(struct measure *m, const char *proc, pid_t pid,
		   const pid_t *tids, size_t n, uint64_t now_ns,
		   struct usage *u);

void measure_free(struct measure *m);

/* Adds the CPUs @tid may run on to @set; 0 or -errno. */
int measure_affinity(pid_t tid, cpu_set_t *set);

/* CLOCK_MONOTONIC in ns. */
uint64_t now_ns(void);

#endif
