// SPDX-License-Identifier: GPL-2.0
/*
 * The census, every 100 ms, under census_lock: the threads of this
 * process are exactly the recorded ones (the workload and the test's own
 * threads; churn's short threads live and die inside the lock, and the
 * last ones it joined may linger in /proc a while), every
 * recorded child still exists (until churn saw it exit), and every
 * workload thread made progress within --stall-ms (a task starved or
 * stuck somewhere is as lost as one that vanished).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torture.h"

#define CENSUS_CHECK_MS	100

static size_t list_tasks(pid_t *tids, size_t max)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	dir = opendir("/proc/self/task");
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < max)
		if (d->d_name[0] != '.')
			tids[n++] = (pid_t)atoi(d->d_name);
	closedir(dir);
	return n;
}

/* Drops from @tids the threads churn has joined; returns how many stay. */
static size_t drop_joined(const struct tt *t, pid_t *tids, size_t n)
{
	size_t i, kept = 0;
	unsigned int j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < TT_JOINED_MAX; j++)
			if (t->joined[j] == tids[i])
				break;
		if (j == TT_JOINED_MAX)
			tids[kept++] = tids[i];
	}
	return kept;
}

/* The name of this process's thread @tid, for a failure's message. */
static void thread_comm(pid_t tid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void census(struct tt *t)
{
	pid_t want[2 * TT_TASKS_MAX + 1], have[2 * TT_TASKS_MAX + 1];
	pid_t lost, extra;
	char comm[32];
	uint64_t now = tt_now_ns(), p;
	size_t nwant = 0, nhave;
	unsigned int i;

	want[nwant++] = getpid();
	for (i = 0; i < t->nr_tasks; i++)
		want[nwant++] = t->tasks[i].tid;
	for (i = 0; i < t->nr_others; i++)
		want[nwant++] = t->others[i];
	/* --bust census_exact: a thread that never existed. */
	if (t->o.bust[TT_I_CENSUS])
		want[nwant++] = 0x7ffffff0;
	nhave = drop_joined(t, have, list_tasks(have, ARRAY_SIZE(have)));
	/* The test's own threads end once stop is set: no verdict then. */
	if (atomic_load(&t->stop))
		return;
	atomic_fetch_add(&t->inv[TT_I_CENSUS].checks, 1);
	/*
	 * A joined thread may linger in /proc a moment after pthread_join()
	 * (its tid is cleared before it is reaped), and a new one is there
	 * before it records itself: a difference counts when the next pass,
	 * 100 ms on, shows one too.
	 */
	if (!tt_census_diff(want, nwant, have, nhave, &lost, &extra)) {
		t->census_suspect = false;
	} else if (!t->census_suspect) {
		t->census_suspect = true;
		atomic_fetch_add(&t->inv[TT_I_CENSUS].skipped, 1);
	} else {
		thread_comm(extra, comm, sizeof(comm));
		tt_fail(t, TT_I_CENSUS,
			"threads: %zu recorded, %zu exist; lost %d, unrecorded %d (%s)",
			nwant, nhave, (int)lost, (int)extra, extra ? comm : "-");
	}
	for (i = 0; i < TT_CHILDREN_MAX; i++) {
		if (!t->children[i])
			continue;
		atomic_fetch_add(&t->inv[TT_I_CENSUS].checks, 1);
		if (kill(t->children[i], 0) && errno == ESRCH)
			tt_fail(t, TT_I_CENSUS, "child %d is gone",
				(int)t->children[i]);
	}
	for (i = 0; i < t->nr_tasks; i++) {
		struct tt_task *task = &t->tasks[i];

		p = atomic_load(&task->progress);
		atomic_fetch_add(&t->inv[TT_I_CENSUS].checks, 1);
		if (p != task->seen_progress) {
			task->seen_progress = p;
			task->seen_at = now;
		} else if (now - task->seen_at >
			   (uint64_t)t->o.stall_ms * 1000000ULL) {
			tt_fail(t, TT_I_CENSUS,
				"thread %d (class %d) made no progress for %llu ms",
				(int)task->tid, task->cls,
				(unsigned long long)((now - task->seen_at) /
						     1000000));
			task->seen_at = now;
		}
	}
}

void *tt_check_census(void *arg)
{
	struct tt *t = arg;

	tt_register_self(t);
	while (!atomic_load(&t->stop)) {
		pthread_mutex_lock(&t->census_lock);
		census(t);
		pthread_mutex_unlock(&t->census_lock);
		tt_sleep_ms(CENSUS_CHECK_MS);
	}
	return NULL;
}
