/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/stat's CPU lines, for the agent's demand and vfoldctl's steal. */
#ifndef VFOLD_PROCSTAT_H
#define VFOLD_PROCSTAT_H

#include <stdint.h>

/* One "cpu" or "cpuN" line of /proc/stat, in clock ticks (USER_HZ). */
struct vfold_cpustat {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

/*
 * The rest of the line of @text that starts with @key (a word and its
 * blank: "cpu ", "cpu3 ", "procs_running "), or NULL.
 */
const char *vfold_find_line(const char *text, const char *key);

/*
 * Parses the numbers of a CPU line (after its "cpuN ") into @cs. Returns
 * 0 or -EINVAL; @cs is written only on success.
 */
int vfold_cpustat_parse(const char *fields, struct vfold_cpustat *cs);

/*
 * The line of CPU @cpu (-1: the all-CPU "cpu" line) of /proc/stat's
 * @text into @cs. Returns 0, -ENOENT if there is none (an offline CPU
 * has no line) or -EINVAL.
 */
int vfold_procstat_cpu(const char *text, int cpu, struct vfold_cpustat *cs);

/* All the ticks of @cs: the time that CPU was accounted for at all. */
uint64_t vfold_cpustat_total(const struct vfold_cpustat *cs);

#endif
