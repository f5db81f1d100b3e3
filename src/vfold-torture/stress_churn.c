// SPDX-License-Identifier: GPL-2.0
/*
 * The churn stressor: 20 times a second a child that exits at once, a
 * child that execs /bin/true, or a thread that is created and joined.
 * Children stay in the census's record until they have exited: the
 * record drops a child after waitid(WNOWAIT) saw it exit and before it
 * is reaped, so the census never misses one that still has to exist.
 * Also stress-ng, a child process group for the whole run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "torture.h"

#define CHURN_HZ	20
#define CHURN_LIVE	6

static void *short_thread(void *arg)
{
	*(pid_t *)arg = tt_gettid();
	return NULL;
}

/* Reaps the children of @live that have exited; returns how many live. */
static unsigned int reap(struct tt *t, pid_t *live, unsigned int n,
			 bool block)
{
	unsigned int i, kept = 0;
	siginfo_t si;
	int status;

	for (i = 0; i < n; i++) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, live[i], &si, WEXITED | WNOWAIT |
			   (block ? 0 : WNOHANG)) || !si.si_pid) {
			live[kept++] = live[i];
			continue;
		}
		tt_forget_child(t, live[i]);
		waitpid(live[i], &status, 0);
		/* 127: /bin/true could not be run. */
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			tt_count(t, TT_OP_EXEC, -ECHILD, NULL);
	}
	return kept;
}

static void one_op(struct tt *t, struct tt_rng *r, pid_t *live,
		   unsigned int *n)
{
	enum tt_op op = (enum tt_op)(TT_OP_FORK + tt_rng_below(r, 3));
	pid_t pid, tid = 0;
	pthread_t th;
	int err;

	*n = reap(t, live, *n, false);
	if (op == TT_OP_THREAD) {
		/* Under the census lock: the thread is born and gone unseen. */
		pthread_mutex_lock(&t->census_lock);
		err = -pthread_create(&th, NULL, short_thread, &tid);
		if (!err) {
			pthread_join(th, NULL);
			t->joined[t->joined_next++ % TT_JOINED_MAX] = tid;
		}
		pthread_mutex_unlock(&t->census_lock);
		tt_count(t, op, err, NULL);
		return;
	}
	if (*n == CHURN_LIVE) {
		atomic_fetch_add(&t->ops[op].refused, 1);
		return;
	}
	pthread_mutex_lock(&t->census_lock);
	pid = fork();
	if (pid == 0) {
		if (op == TT_OP_EXEC)
			execl("/bin/true", "true", (char *)NULL);
		_exit(op == TT_OP_EXEC ? 127 : 0);
	}
	pthread_mutex_unlock(&t->census_lock);
	err = pid < 0 ? -errno : tt_add_child(t, pid);
	if (pid > 0)
		live[(*n)++] = pid;
	tt_count(t, op, err, (const int[]){ EAGAIN, 0 });
}

void *tt_stress_churn(void *arg)
{
	struct tt *t = arg;
	pid_t live[CHURN_LIVE];
	uint64_t due = tt_now_ns();
	unsigned int n = 0;
	struct tt_rng r;

	tt_register_self(t);
	tt_rng_init(&r, t->o.seed, 5);
	while (!atomic_load(&t->stop)) {
		one_op(t, &r, live, &n);
		due = tt_next_due(due, 1000000000ULL / CHURN_HZ, tt_now_ns());
		tt_sleep_until(due);
	}
	reap(t, live, n, true);
	return NULL;
}

int tt_stressng_start(struct tt *t)
{
	char timeout[32];
	int pfd[2], err = 0;
	pid_t pid;

	snprintf(timeout, sizeof(timeout), "%us", t->o.seconds + 60);
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		execlp(t->o.stress_ng, t->o.stress_ng, "--cpu", "1", "--switch",
		       "1", "--fork", "1", "--timeout", timeout, "--quiet",
		       (char *)NULL);
		err = errno;
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0)
		err = errno;
	else if (read(pfd[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(pfd[0]);
	if (!err && pid > 0) {
		t->stressng = pid;
		setpgid(pid, pid);
		err = -tt_add_child(t, pid);
	} else if (pid > 0) {
		waitpid(pid, NULL, 0);
	}
	tt_count(t, TT_OP_STRESSNG, -err, NULL);
	if (err)
		tt_note(t, "stress-ng (%s) did not start: %s", t->o.stress_ng,
			strerror(err));
	return -err;
}

void tt_stressng_stop(struct tt *t)
{
	int status;

	if (t->stressng <= 0)
		return;
	tt_forget_child(t, t->stressng);
	kill(-t->stressng, SIGTERM);
	waitpid(t->stressng, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status))
		tt_note(t, "stress-ng exited %d", WEXITSTATUS(status));
	t->stressng = 0;
}
