// SPDX-License-Identifier: GPL-2.0
/*
 * schedstat's first two fields are the thread's time on a CPU and its
 * time runnable but waiting, in ns since it started: run+wait over an
 * interval is how many CPUs the thread wanted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "measure.h"

int schedstat_parse(const char *text, struct schedstat *s)
{
	uint64_t run, wait;

	/* A third field (timeslices) follows; scanf would take "-1" too. */
	if (text[0] < '0' || text[0] > '9' || strchr(text, '-') ||
	    sscanf(text, "%" SCNu64 " %" SCNu64, &run, &wait) != 2)
		return -EINVAL;
	s->run_ns = run;
	s->wait_ns = wait;
	return 0;
}

int schedstat_read(const char *proc, pid_t pid, pid_t tid,
		   struct schedstat *s)
{
	char path[PATH_MAX], buf[128];
	int n;

	snprintf(path, sizeof(path), "%s/%d/task/%d/schedstat", proc, pid,
		 tid);
	n = vfold_read_file(path, buf, sizeof(buf), false);
	if (n <= 0)
		return n ? n : -ENODATA;	/* ESRCH: exited meanwhile */
	return schedstat_parse(buf, s);
}

static const struct schedstat *find_prev(const struct measure *m,
					 long long key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->t[i].key == key)
			return &m->t[i].s;
	return NULL;
}

unsigned int steal_permille(uint64_t run_ns, uint64_t wait_ns)
{
	/* 128 bits: a sum or a product of garbage counters cannot wrap. */
	unsigned __int128 sum = (unsigned __int128)run_ns + wait_ns;

	return sum ? (unsigned int)((unsigned __int128)wait_ns * 1000 / sum) :
		0;
}

/*
 * Adds cur - prev to @u's sums and sets the steal of vCPU @i; false if
 * a counter went backwards.
 */
static bool add_delta(const struct schedstat *prev,
		      const struct schedstat *cur, size_t i, struct usage *u)
{
	uint64_t run, wait;

	if (cur->run_ns < prev->run_ns || cur->wait_ns < prev->wait_ns)
		return false;
	run = cur->run_ns - prev->run_ns;
	wait = cur->wait_ns - prev->wait_ns;
	u->run += run;
	u->wait += wait;
	if (i < u->nr_steal)
		u->steal[i] = steal_permille(run, wait);
	return true;
}

int measure_update(struct measure *m, const struct vcpu_sample *cur,
		   size_t n, uint64_t now, struct usage *u)
{
	struct vcpu_sample *t = calloc(n ? n : 1, sizeof(*t));
	double elapsed;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (!t)
		return -ENOMEM;
	u->has_steal = n <= VFOLD_STEAL_MAX;
	u->nr_steal = u->has_steal ? n : 0;
	for (i = 0; i < n; i++) {
		const struct schedstat *prev;

		if (!cur[i].ok)
			continue;
		t[u->threads++] = cur[i];
		prev = find_prev(m, cur[i].key);
		if (prev && add_delta(prev, &cur[i].s, i, u))
			u->counted++;
	}
	elapsed = m->at_ns && now > m->at_ns ? (double)(now - m->at_ns) : 0;
	/* Nothing counted (all gone, or not read): unknown, not idle. */
	u->valid = elapsed > 0 && u->counted;
	u->run = u->valid ? u->run / elapsed : 0;
	u->wait = u->valid ? u->wait / elapsed : 0;
	if (!u->valid)
		memset(u->steal, 0, sizeof(u->steal));
	free(m->t);
	m->t = t;
	m->n = u->threads;
	m->at_ns = now;
	return 0;
}

int measure_sample(struct measure *m, const char *proc, pid_t pid,
		   const pid_t *tids, size_t n, uint64_t now, struct usage *u)
{
	struct vcpu_sample *cur = calloc(n ? n : 1, sizeof(*cur));
	size_t i;
	int r;

	if (!cur) {
		memset(u, 0, sizeof(*u));
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		cur[i].key = tids[i];
		cur[i].ok = !schedstat_read(proc, pid, tids[i], &cur[i].s);
	}
	r = measure_update(m, cur, n, now, u);
	free(cur);
	return r;
}

void measure_free(struct measure *m)
{
	free(m->t);
	memset(m, 0, sizeof(*m));
}

int measure_affinity(pid_t tid, cpu_set_t *set)
{
	cpu_set_t mine;

	if (sched_getaffinity(tid, sizeof(mine), &mine) < 0)
		return -errno;
	CPU_OR(set, set, &mine);
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
