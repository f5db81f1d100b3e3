// SPDX-License-Identifier: GPL-2.0
/*
 * The drain checker, every 10 ms: a movable workload thread (CFS or RT;
 * deadline and migrate-disabling threads are left where they are, as
 * documented) that the kernel shows running on a marked CPU, while its
 * affinity has an online unmarked CPU, must not have been there longer
 * than --drain-ms since the CPU was marked (drain_bound). When the CPU
 * was marked is what the mask stressor recorded, published under
 * mask_seq: a pass that saw the mask change is thrown away. A stay over
 * the bound is a failure only if the thread is still there 1 ms later
 * with nothing changed. Every stay seen goes into a histogram: the drain
 * times the run observed (upper bounds, sampled every 10 ms).
 */
#include <stdio.h>

#include "torture.h"

#define DRAIN_CHECK_MS	10

static bool movable(const struct tt_task *task)
{
	return task->cls == TT_C_CFS || task->cls == TT_C_SLEEP ||
	       task->cls == TT_C_RT;
}

struct drain_view {
	unsigned int seq;
	tt_mask mask;
	tt_mask online;
	uint64_t since[TT_CPUS_MAX];
	uint64_t unmarked_since[TT_CPUS_MAX];
};

static bool view_read(struct tt *t, struct drain_view *v)
{
	unsigned int cpu;

	v->seq = atomic_load(&t->mask_seq);
	if ((v->seq & 1) || tt_read_online(t, &v->online) ||
	    tt_read_mask(t, &v->mask))
		return false;
	for (cpu = 0; cpu < TT_CPUS_MAX; cpu++) {
		v->since[cpu] = atomic_load(&t->marked_since[cpu]);
		v->unmarked_since[cpu] = atomic_load(&t->unmarked_since[cpu]);
	}
	/*
	 * --bust drain_bound: as if every online CPU but 0 had been marked
	 * since the start, so that any thread running there is overdue.
	 */
	if (t->o.bust[TT_I_DRAIN]) {
		v->mask = v->online & ~tt_bit(0);
		for (cpu = 0; cpu < TT_CPUS_MAX; cpu++) {
			v->since[cpu] = (v->mask & tt_bit(cpu)) ? t->start_ns : 0;
			v->unmarked_since[cpu] = t->start_ns;
		}
	}
	return atomic_load(&t->mask_seq) == v->seq;
}

static void check_task(struct tt *t, struct tt_task *task,
		       const struct drain_view *v, uint64_t bound)
{
	tt_mask expected = tt_task_expected(t, task, v->online);
	tt_mask free = expected & v->online & ~v->mask;
	uint64_t now = tt_now_ns(), start, other;
	char state;
	int cpu;

	if (tt_task_stat(task->tid, &state, &cpu))
		return;
	atomic_fetch_add(&t->inv[TT_I_DRAIN].checks, 1);
	if (state != 'R' || !(v->mask & tt_bit(cpu)))
		return;
	other = task->rec_at > t->topo_at ? task->rec_at : t->topo_at;
	if (t->o.bust[TT_I_DRAIN])
		other = 0;
	start = tt_drain_start(v->since[cpu], v->unmarked_since, free, other);
	if (!start)
		return;
	pthread_mutex_lock(&t->report_lock);
	tt_hist_add(&t->stays, (now - start) / 1000);
	pthread_mutex_unlock(&t->report_lock);
	if (!tt_drain_overdue(state, cpu, v->mask, v->online, expected, start,
			      now, bound))
		return;
	tt_sleep_ms(1);
	if (tt_task_stat(task->tid, &state, &cpu) ||
	    !tt_drain_overdue(state, cpu, v->mask, v->online, expected, start,
			      tt_now_ns(), bound) ||
	    atomic_load(&t->mask_seq) != v->seq) {
		atomic_fetch_add(&t->inv[TT_I_DRAIN].skipped, 1);
		return;
	}
	tt_fail(t, TT_I_DRAIN,
		"thread %d (class %d) on marked CPU %d for %llu ms (bound %u ms)",
		(int)task->tid, task->cls, cpu,
		(unsigned long long)((now - start) / 1000000), t->o.drain_ms);
}

void *tt_check_drain(void *arg)
{
	struct tt *t = arg;
	uint64_t bound = (uint64_t)t->o.drain_ms * 1000000ULL;
	struct drain_view v;
	unsigned int i;

	tt_register_self(t);
	while (!atomic_load(&t->stop)) {
		pthread_mutex_lock(&t->topo_lock);
		/* A CPU half on- or offline: where a push may go is unclear. */
		if (atomic_load(&t->hotplugging) || !view_read(t, &v)) {
			atomic_fetch_add(&t->inv[TT_I_DRAIN].skipped, 1);
		} else {
			for (i = 0; i < t->nr_tasks; i++)
				if (movable(&t->tasks[i]))
					check_task(t, &t->tasks[i], &v, bound);
		}
		pthread_mutex_unlock(&t->topo_lock);
		tt_sleep_ms(DRAIN_CHECK_MS);
	}
	return NULL;
}
