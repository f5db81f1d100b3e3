// SPDX-License-Identifier: GPL-2.0
/* One reading of the guest's vfold state; see state.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file.h"
#include "state.h"

/* The ranges and orderings of the kernel's knob stores (paravirt_gov.c). */
const struct ctl_knob ctl_knobs[CTL_NR_KNOBS] = {
	{ "interval_ms", 50, 10000, NULL, NULL },
	{ "steal_high_permille", 1, 1000, NULL, "steal_low_permille" },
	{ "steal_low_permille", 0, 999, "steal_high_permille", NULL },
	{ "smt_low_permille", 0, 999, "smt_high_permille", NULL },
	{ "smt_high_permille", 1, 1000, NULL, "smt_low_permille" },
	{ "min_cpus", 1, 0, NULL, NULL },
	{ "entitled_cpus", 0, 0, NULL, NULL },
	{ "hint", 1, 0, NULL, NULL },
	{ "hint_ttl_ms", 1000, 3600000, NULL, NULL },
};

const char *const ctl_counters[CTL_NR_COUNTERS] = {
	"intervals", "folds", "probes", "reverts", "mask_changes",
};

const struct ctl_knob *ctl_knob_find(const char *name)
{
	for (int i = 0; i < CTL_NR_KNOBS; i++)
		if (!strcmp(ctl_knobs[i].name, name))
			return &ctl_knobs[i];
	return NULL;
}

unsigned int ctl_knob_max(const struct ctl_knob *k, unsigned int nr_ids)
{
	return k->max ? k->max : nr_ids;
}

uint64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The highest CPU of @set + 1, 0 if empty. */
static unsigned int nr_ids_of(const struct vfold_cpuset *set)
{
	for (unsigned int cpu = VFOLD_CPUS_MAX; cpu > 0; cpu--)
		if (vfold_cpuset_test(set, cpu - 1))
			return cpu;
	return 0;
}

/*
 * The possible CPUs: offline ones are shown too. A tree without the
 * possible file (a test's) has only the online ones.
 */
static void read_possible(const struct ctl_env *env, struct ctl_snapshot *s)
{
	if (vfold_sysfs_read_cpus(&env->sys, VFOLD_CPU_DIR "/possible",
				  &s->possible))
		s->possible = s->online;
	/* Never fewer than those online, whatever the file said. */
	for (unsigned int cpu = 0; cpu < VFOLD_CPUS_MAX; cpu++)
		if (vfold_cpuset_test(&s->online, cpu))
			vfold_cpuset_set(&s->possible, cpu);
	s->nr_ids = nr_ids_of(&s->possible);
}

static void read_governor(const struct ctl_env *env, struct ctl_snapshot *s)
{
	s->gov = vfold_gov_present(&env->sys);
	if (!s->gov)
		return;
	if (vfold_gov_read(&env->sys, "mode", s->mode, sizeof(s->mode)) < 0)
		s->mode[0] = '\0';
	if (vfold_gov_read(&env->sys, "available_modes", s->modes,
			   sizeof(s->modes)) < 0)
		s->modes[0] = '\0';
	for (int i = 0; i < CTL_NR_KNOBS; i++)
		s->has_knob[i] = !vfold_gov_read_u64(&env->sys,
						     ctl_knobs[i].name,
						     &s->knob[i]);
	for (int i = 0; i < CTL_NR_COUNTERS; i++)
		s->has_counter[i] = !vfold_gov_read_u64(&env->sys,
							ctl_counters[i],
							&s->counter[i]);
	s->has_gov_steal = !vfold_sysfs_read_u64(&env->sys, CTL_GOV_STEAL,
						 &s->gov_steal);
}

static void read_procstat(const struct ctl_env *env, struct ctl_snapshot *s)
{
	char path[PATH_MAX], *text;

	snprintf(path, sizeof(path), "%s/stat", env->proc_root);
	if (vfold_read_file_alloc(path, &text) < 0)
		return;
	s->has_stat = !vfold_procstat_cpu(text, -1, &s->all);
	for (unsigned int cpu = 0; cpu < s->nr_ids; cpu++)
		s->cpu[cpu].has_stat = !vfold_procstat_cpu(text, (int)cpu,
							   &s->cpu[cpu].stat);
	free(text);
}

/*
 * Blocks of "cpu#N, F MHz" (or "cpu#N") followed by "  .name : value"
 * lines; paravirt_pushes is there only with schedstats on.
 */
void ctl_parse_pushes(const char *text, struct ctl_snapshot *snap)
{
	const char *p = text, *v;
	unsigned long long n;
	long cpu = -1;
	char *end;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "cpu#", 4)) {
			cpu = strtol(p + 4, &end, 10);
			if (end == p + 4 || cpu < 0 ||
			    cpu >= (long)snap->nr_ids)
				cpu = -1;
			continue;
		}
		if (cpu < 0 || strncmp(p, "  .paravirt_pushes ", 19))
			continue;
		v = strchr(p, ':');
		if (!v || v[1] != ' ' || v[2] < '0' || v[2] > '9')
			continue;
		n = strtoull(v + 2, &end, 10);
		if (*end && *end != '\n')
			continue;
		snap->cpu[cpu].has_pushes = true;
		snap->cpu[cpu].pushes = n;
	}
}

static void read_pushes(const struct ctl_env *env, struct ctl_snapshot *s)
{
	char path[PATH_MAX], *text;

	if (vfold_sysfs_path(&env->sys, CTL_SCHED_DEBUG, path, sizeof(path)) ||
	    vfold_read_file_alloc(path, &text) < 0)
		return;
	ctl_parse_pushes(text, s);
	free(text);
}

int ctl_snapshot_read(const struct ctl_env *env, struct ctl_snapshot *snap,
		      const char **file)
{
	int ret;

	memset(snap, 0, sizeof(*snap));
	*file = VFOLD_CPU_DIR "/online";
	ret = vfold_online_read(&env->sys, &snap->online);
	if (ret)
		return ret;
	*file = VFOLD_CPU_DIR "/paravirt";
	ret = vfold_paravirt_read(&env->sys, &snap->paravirt);
	if (ret)
		return ret;
	read_possible(env, snap);
	snap->cpu = calloc(snap->nr_ids ? snap->nr_ids : 1,
			   sizeof(*snap->cpu));
	if (!snap->cpu)
		return -ENOMEM;
	read_governor(env, snap);
	read_procstat(env, snap);
	read_pushes(env, snap);
	snap->ms = ctl_now_ms();
	return 0;
}

void ctl_snapshot_free(struct ctl_snapshot *snap)
{
	free(snap->cpu);
	snap->cpu = NULL;
}

double ctl_steal_pct(const struct ctl_snapshot *prev,
		     const struct ctl_snapshot *cur, int cpu)
{
	const struct vfold_cpustat *a = NULL, *b;
	uint64_t total, steal;

	if (cpu < 0) {
		if (!cur->has_stat || (prev && !prev->has_stat))
			return -1;
		b = &cur->all;
		if (prev)
			a = &prev->all;
	} else {
		if ((unsigned int)cpu >= cur->nr_ids ||
		    !cur->cpu[cpu].has_stat)
			return -1;
		b = &cur->cpu[cpu].stat;
		if (prev) {
			if ((unsigned int)cpu >= prev->nr_ids ||
			    !prev->cpu[cpu].has_stat)
				return -1;
			a = &prev->cpu[cpu].stat;
		}
	}
	total = vfold_cpustat_total(b);
	steal = b->steal;
	if (a) {
		/* Counts that went back (a reset) give no share. */
		if (vfold_cpustat_total(a) > total || a->steal > steal)
			return -1;
		total -= vfold_cpustat_total(a);
		steal -= a->steal;
	}
	return total ? 100.0 * (double)steal / (double)total : -1;
}

const char *ctl_cpu_state(const struct ctl_snapshot *snap, unsigned int cpu)
{
	if (!vfold_cpuset_test(&snap->online, cpu))
		return "offline";
	return vfold_cpuset_test(&snap->paravirt, cpu) ? "folded" : "kept";
}
