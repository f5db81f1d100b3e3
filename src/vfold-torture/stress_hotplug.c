// SPDX-License-Identifier: GPL-2.0
/*
 * The hotplug stressor: a random CPU (not 0) offline or back online,
 * 3 times a second. It never offlines the last online CPU a workload
 * thread may use, nor a partition's CPU: either would make the kernel
 * rewrite an affinity (select_fallback_rq(), a partition emptied), which
 * the record could not tell from a bug. Marks of an offlined CPU go, so
 * marked_since[] is read again afterwards.
 */
#include <errno.h>
#include <stdio.h>

#include "torture.h"

#define HOTPLUG_HZ	3

/* Offlining @cpu would leave some workload thread no CPU to run on. */
static bool strands(struct tt *t, tt_mask online, unsigned int cpu)
{
	tt_mask left = online & ~tt_bit(cpu);

	return __builtin_popcountll(left) < 2 || tt_strands(t, t->part, left);
}

static int set_online(struct tt *t, unsigned int cpu, bool on)
{
	char rel[64];

	snprintf(rel, sizeof(rel), VFOLD_CPU_DIR "/cpu%u/online", cpu);
	return vfold_sysfs_write(&t->sys, rel, on ? "1" : "0");
}

/*
 * The decision and the record under topo_lock; the hotplug itself, which
 * takes long under TCG, outside it, with the CPU in t->leaving (online
 * or not, it may not be active) so that no affinity or partition is made
 * to depend on it meanwhile (a root
 * task's affinity is not changed by hotplug, so checks go on).
 */
static void one_op(struct tt *t, struct tt_rng *r)
{
	/* EBUSY: deadline bandwidth that would not fit on the others. */
	static const int busy[] = { EBUSY, 0 };
	enum tt_op op = TT_OP_HOTPLUG_ON;
	tt_mask online, mask;
	uint64_t start;
	unsigned int cpu;
	int err;

	if (t->nr_cpus < 2)
		return;
	cpu = 1 + tt_rng_below(r, t->nr_cpus - 1);
	pthread_mutex_lock(&t->topo_lock);
	if (tt_read_online(t, &online)) {
		pthread_mutex_unlock(&t->topo_lock);
		return;
	}
	if (online & tt_bit(cpu)) {
		op = TT_OP_HOTPLUG_OFF;
		if ((t->part & tt_bit(cpu)) || strands(t, online, cpu)) {
			pthread_mutex_unlock(&t->topo_lock);
			atomic_fetch_add(&t->ops[op].refused, 1);
			return;
		}
	}
	/* Coming or going, not a CPU to count on until it is done. */
	t->leaving = tt_bit(cpu);
	atomic_store(&t->hotplugging, true);
	pthread_mutex_unlock(&t->topo_lock);

	start = tt_now_ns();
	err = set_online(t, cpu, op == TT_OP_HOTPLUG_ON);

	pthread_mutex_lock(&t->topo_lock);
	t->leaving = 0;
	t->topo_at = tt_now_ns();
	pthread_mutex_lock(&t->mask_lock);
	if (!tt_read_mask(t, &mask))
		tt_mask_observed(t, mask, true);
	pthread_mutex_unlock(&t->mask_lock);
	atomic_store(&t->hotplugging, false);
	pthread_mutex_unlock(&t->topo_lock);
	tt_count_timed(t, op, err, op == TT_OP_HOTPLUG_OFF ? busy : NULL,
		       start);
	if (t->o.verbose)
		tt_note(t, "op %.3f s: cpu%u %s: %d",
			(double)(start - t->start_ns) / 1e9, cpu,
			op == TT_OP_HOTPLUG_ON ? "online" : "offline", err);
}

void *tt_stress_hotplug(void *arg)
{
	struct tt *t = arg;
	uint64_t due = tt_now_ns();
	struct tt_rng r;

	tt_register_self(t);
	tt_rng_init(&r, t->o.seed, 3);
	while (!atomic_load(&t->stop)) {
		one_op(t, &r);
		due = tt_next_due(due, 1000000000ULL / HOTPLUG_HZ, tt_now_ns());
		tt_sleep_until(due);
	}
	return NULL;
}

void tt_restore_cpus(struct tt *t)
{
	tt_mask online;
	unsigned int cpu;

	if (tt_read_online(t, &online))
		return;
	for (cpu = 1; cpu < t->nr_cpus; cpu++)
		if (!(online & tt_bit(cpu)) && set_online(t, cpu, true))
			fprintf(stderr, "vfold-torture: cpu%u stays offline\n",
				cpu);
}
