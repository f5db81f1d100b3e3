/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vfoldctl shows: one reading of the guest's paravirt CPUs, the
 * governor's files, /proc/stat and the scheduler's push counters, and
 * the table of the governor's knobs with the ranges the kernel takes.
 */
#ifndef VFOLDCTL_STATE_H
#define VFOLDCTL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpulist.h"
#include "procstat.h"
#include "sysfs.h"

/* The roots vfoldctl reads under; tests and chroots set their own. */
struct ctl_env {
	struct vfold_sysfs sys;
	const char *proc_root;
};

/* A writable file of paravirt_governor/ holding a number. */
struct ctl_knob {
	const char *name;
	unsigned int min, max;	/* max 0: the number of CPU ids */
	const char *below;	/* a knob this one must stay below, or */
	const char *above;	/* above */
};

#define CTL_NR_KNOBS	9
#define CTL_NR_COUNTERS	5
extern const struct ctl_knob ctl_knobs[CTL_NR_KNOBS];
extern const char *const ctl_counters[CTL_NR_COUNTERS];

/* The knob called @name, or NULL. */
const struct ctl_knob *ctl_knob_find(const char *name);

/* Where the scheduler's debug file (with paravirt_pushes) is. */
#define CTL_SCHED_DEBUG		"kernel/debug/sched/debug"
/* The governor's smoothed share of demand stolen, permille (debugfs). */
#define CTL_GOV_STEAL		"kernel/debug/paravirt_governor/steal"
#define CTL_SCX_STATE		"kernel/sched_ext/state"

struct ctl_cpu {
	bool has_stat;			/* a "cpuN" line in /proc/stat */
	struct vfold_cpustat stat;
	bool has_pushes;		/* schedstats on, debugfs readable */
	uint64_t pushes;
};

struct ctl_snapshot {
	uint64_t ms;			/* CLOCK_MONOTONIC, when read */
	struct vfold_cpuset possible, online, paravirt;
	unsigned int nr_ids;		/* highest possible CPU + 1 */
	bool gov;			/* paravirt_governor/ exists */
	char mode[32];			/* "" if unreadable */
	char modes[128];		/* available_modes, "" if unreadable */
	bool has_knob[CTL_NR_KNOBS];
	uint64_t knob[CTL_NR_KNOBS];
	bool has_counter[CTL_NR_COUNTERS];
	uint64_t counter[CTL_NR_COUNTERS];
	bool has_gov_steal;
	uint64_t gov_steal;
	bool has_stat;			/* the all-CPU "cpu" line */
	struct vfold_cpustat all;
	struct ctl_cpu *cpu;		/* @nr_ids of them */
};

/*
 * Reads everything into a new @snap. Only the paravirt and online files
 * must be there: anything else missing reads as absent. Returns 0 or the
 * -errno of those two, with @file naming the one that failed.
 */
int ctl_snapshot_read(const struct ctl_env *env, struct ctl_snapshot *snap,
		      const char **file);
void ctl_snapshot_free(struct ctl_snapshot *snap);

/*
 * The stolen share of @cpu's time (-1: all CPUs) in percent, between
 * @prev and @cur, or since boot if @prev is NULL. Negative if unknown:
 * no /proc/stat line, or no time accounted in between.
 */
double ctl_steal_pct(const struct ctl_snapshot *prev,
		     const struct ctl_snapshot *cur, int cpu);

/* "kept", "folded" or "offline". */
const char *ctl_cpu_state(const struct ctl_snapshot *snap, unsigned int cpu);

/* The largest value @k takes on a kernel of @nr_ids CPU ids. */
unsigned int ctl_knob_max(const struct ctl_knob *k, unsigned int nr_ids);

/* Parses /sys/kernel/debug/sched/debug's text into @snap's push counts. */
void ctl_parse_pushes(const char *text, struct ctl_snapshot *snap);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t ctl_now_ms(void);

#endif
