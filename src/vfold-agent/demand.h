/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's CPU demand: the CPUs it would use, in thousandths, from
 * /proc/stat's busy time and the tasks waiting for a kept CPU.
 */
#ifndef VFOLD_AGENT_DEMAND_H
#define VFOLD_AGENT_DEMAND_H

#include <stdint.h>

#include "procstat.h"

/* What is known between two reports. */
struct demand_input {
	/* /proc/stat's all-CPU "cpu" line at the last report and now */
	struct vfold_cpustat prev, cur;
	uint64_t elapsed_ms;		/* between @prev and @cur */
	long clk_tck;			/* sysconf(_SC_CLK_TCK) */
	uint64_t waiting_sum;		/* sum of demand_waiting() samples */
	uint32_t samples;		/* how many */
	uint32_t nr_cpus;		/* online CPUs: the cap */
};

/*
 * Parses the text of /proc/stat: its "cpu" line into @cs and its
 * procs_running into @running. Returns 0 or -EINVAL if either is missing
 * or malformed.
 */
int procstat_parse(const char *text, struct vfold_cpustat *cs,
		   uint32_t *running);

/*
 * Tasks waiting for a kept CPU in one sample: procs_running counts the
 * agent itself, which runs while it reads /proc/stat, so that one is not
 * waiting work.
 */
uint32_t demand_waiting(uint32_t procs_running, uint32_t kept_cpus);

/*
 * Busy CPUs over the interval (user, nice, system, irq, softirq; not
 * idle, iowait or steal), plus the average of the waiting samples, x1000,
 * at most @nr_cpus x 1000.
 */
uint32_t demand_milli(const struct demand_input *in);

/* Reads @path (/proc/stat) and parses it. Returns 0 or -errno. */
int procstat_read(const char *path, struct vfold_cpustat *cs,
		  uint32_t *running);

/*
 * Parses the text of /proc/pressure/cpu: the "total=" of its "some" line
 * (microseconds in which some task waited for a CPU) into @total_us.
 * Returns 0 or -EINVAL.
 */
int psi_parse(const char *text, uint64_t *total_us);

/* Reads @path (/proc/pressure/cpu) and parses it. Returns 0 or -errno. */
int psi_read(const char *path, uint64_t *total_us);

/*
 * The share of @elapsed_ms in which some task waited, from two totals,
 * in thousandths: 0 .. 1000 (a total that went back counts 0).
 */
uint32_t psi_permille(uint64_t prev_us, uint64_t cur_us, uint64_t elapsed_ms);

#endif
