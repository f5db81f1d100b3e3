// SPDX-License-Identifier: GPL-2.0
/*
 * The affinity checker, every 5 ms, under topo_lock so that no change
 * of the test's own is half done: each workload thread's affinity as the
 * kernel holds it must be the one the record expects, or its widening by
 * select_fallback_rq() while none of its CPUs is online, which becomes
 * the record (affinity_unchanged), and a thread the kernel shows running ('R')
 * must be on a CPU of it (affinity_respected). A running task's CPU
 * (stat field 39) may be stale for a moment while it wakes (the state
 * is 'R' before the wakeup picks its CPU), so a CPU outside is a failure
 * only if three more samples a millisecond apart still show it there.
 */
#include <errno.h>
#include <stdio.h>

#include "torture.h"

#define AFFINITY_CHECK_MS	5
#define CONFIRM_SAMPLES		3

static bool still_outside(pid_t tid, int cpu, tt_mask expected)
{
	unsigned int i;
	char state;
	int now;

	for (i = 0; i < CONFIRM_SAMPLES; i++) {
		tt_sleep_ms(1);
		if (tt_task_stat(tid, &state, &now) || now != cpu ||
		    !tt_runs_outside(state, now, expected))
			return false;
	}
	return true;
}

static void check_task(struct tt *t, struct tt_task *task, tt_mask online)
{
	tt_mask expected = tt_task_expected(t, task, online), got;
	enum tt_aff_verdict verdict;
	char want[256], have[256];
	char state;
	int cpu;

	if (tt_get_affinity(task->tid, &got) ||
	    tt_task_stat(task->tid, &state, &cpu)) {
		atomic_fetch_add(&t->inv[TT_I_AFF_SAME].skipped, 1);
		return;
	}
	atomic_fetch_add(&t->inv[TT_I_AFF_SAME].checks, 1);
	verdict = tt_affinity_verdict(got, expected, online & ~t->leaving);
	if (verdict != TT_AFF_SAME) {
		tt_mask_format(expected, want, sizeof(want));
		tt_mask_format(got, have, sizeof(have));
	}
	switch (verdict) {
	case TT_AFF_SAME:
		break;
	case TT_AFF_FALLBACK:
		tt_note(t, "thread %d: affinity %s widened from %s by the kernel: none of it online (online %llx)",
			(int)task->tid, have, want,
			(unsigned long long)online);
		task->req = got;
		task->rec = got;
		task->rec_part = t->part;
		task->rec_at = tt_now_ns();
		expected = got;
		break;
	case TT_AFF_CHANGED:
		tt_fail(t, TT_I_AFF_SAME,
			"thread %d: affinity %s, the record says %s (asked %llx at %.3f s; partitions %llx, online %llx)",
			(int)task->tid, have, want,
			(unsigned long long)task->req,
			(double)(task->rec_at - t->start_ns) / 1e9,
			(unsigned long long)t->part,
			(unsigned long long)online);
		break;
	}
	atomic_fetch_add(&t->inv[TT_I_AFF_RUN].checks, 1);
	if (tt_runs_outside(state, cpu, expected) &&
	    still_outside(task->tid, cpu, expected)) {
		tt_mask_format(expected, want, sizeof(want));
		tt_fail(t, TT_I_AFF_RUN,
			"thread %d (class %d) runs on CPU %d, outside %s",
			(int)task->tid, task->cls, cpu, want);
	}
}

void *tt_check_affinity(void *arg)
{
	struct tt *t = arg;
	tt_mask online;
	unsigned int i;

	tt_register_self(t);
	while (!atomic_load(&t->stop)) {
		pthread_mutex_lock(&t->topo_lock);
		if (!tt_read_online(t, &online))
			for (i = 0; i < t->nr_tasks; i++)
				check_task(t, &t->tasks[i], online);
		pthread_mutex_unlock(&t->topo_lock);
		tt_sleep_ms(AFFINITY_CHECK_MS);
	}
	return NULL;
}
