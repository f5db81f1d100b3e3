// SPDX-License-Identifier: GPL-2.0
/*
 * The affinity stressor: sched_setaffinity() on random workload threads,
 * 50 times a second: random sets, single CPUs, only the marked CPUs,
 * only the unmarked ones, everything. The record changes only here, and
 * with the call under topo_lock, so a checker never compares against a
 * call half done. --bust affinity_respected: the record is made wrong on
 * purpose (the complement of each mask set); --bust affinity_unchanged:
 * once a second a thread's affinity is changed behind the record's back.
 */
#include <errno.h>

#include "torture.h"

#define AFFINITY_HZ	50

static void one_op(struct tt *t, struct tt_rng *r)
{
	static const unsigned int w[TT_AFF_KINDS] = { 30, 25, 20, 10, 15 };
	/*
	 * EINVAL: no allowed CPU is active (offline, or in a partition);
	 * EBUSY: a deadline task must keep its whole root domain.
	 */
	static const int expected[] = { EINVAL, EBUSY, 0 };
	struct tt_task *task = &t->tasks[tt_rng_below(r, t->nr_tasks)];
	enum tt_aff_kind kind;
	tt_mask online, marked, m;
	uint64_t start;
	int err;

	kind = (enum tt_aff_kind)tt_pick_weighted(r, w, TT_AFF_KINDS);
	pthread_mutex_lock(&t->topo_lock);
	if (tt_read_online(t, &online) || tt_read_mask(t, &marked)) {
		pthread_mutex_unlock(&t->topo_lock);
		return;
	}
	/* A CPU going offline counts as gone already (see hotplug). */
	online &= ~t->leaving;
	m = tt_pick_affinity(r, kind, t->possible, online, marked);
	if (m && !(tt_expected_affinity(m, t->part, t->possible, online) &
		   online))
		m = 0;
	if (!m) {
		pthread_mutex_unlock(&t->topo_lock);
		atomic_fetch_add(&t->ops[TT_OP_AFFINITY].refused, 1);
		return;
	}
	start = tt_now_ns();
	err = tt_set_recorded(t, task, m);
	if (!err && t->o.bust[TT_I_AFF_RUN] && (t->possible & ~m)) {
		task->req = t->possible & ~m;
		task->rec = task->req;
	}
	pthread_mutex_unlock(&t->topo_lock);
	tt_count_timed(t, TT_OP_AFFINITY, err, expected, start);
}

/*
 * --bust affinity_unchanged: a sched_setaffinity() the record does not
 * know of, to one online CPU the thread's affinity is not already
 * limited to (a change the checker must see).
 */
static void bust_unrecorded(struct tt *t, struct tt_rng *r)
{
	struct tt_task *task = &t->tasks[tt_rng_below(r, t->nr_tasks)];
	tt_mask online, m, one;

	if (task->cls == TT_C_DL)
		return;
	pthread_mutex_lock(&t->topo_lock);
	if (!tt_read_online(t, &online)) {
		online &= ~t->leaving & ~t->part;
		m = online & ~task->rec;
		if (!m)
			m = online;
		if (m) {
			one = tt_bit(tt_pick_cpu(r, m));
			if (one != task->rec)
				tt_set_affinity(task->tid, one);
		}
	}
	pthread_mutex_unlock(&t->topo_lock);
}

void *tt_stress_affinity(void *arg)
{
	struct tt *t = arg;
	uint64_t due = tt_now_ns();
	struct tt_rng r;

	tt_register_self(t);
	tt_rng_init(&r, t->o.seed, 2);
	while (!atomic_load(&t->stop)) {
		one_op(t, &r);
		if (t->o.bust[TT_I_AFF_SAME] && !tt_rng_below(&r, AFFINITY_HZ))
			bust_unrecorded(t, &r);
		due = tt_next_due(due, 1000000000ULL / AFFINITY_HZ,
				  tt_now_ns());
		tt_sleep_until(due);
	}
	return NULL;
}
