// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-torture's workload: the threads whose affinity, CPU and progress
 * the checkers watch. CFS spinners, sleepers, SCHED_FIFO and
 * SCHED_DEADLINE threads, and one thread that keeps entering kernel
 * sections run under migrate_disable().
 *
 * migrate_disable() from user space: 6.12 without PREEMPT_RT has no
 * direct way, and the test kernel loads no modules. Two paths reach it:
 * resizing one CPU's trace ring buffer on that CPU
 * (ring_buffer_resize() updates the pages under migrate_disable()), and
 * a seccomp filter, which runs under migrate_disable() at every system
 * call (bpf_prog_run_pin_on_cpu()) when CONFIG_SECCOMP_FILTER is there.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "torture.h"

#define TRACEFS		"/sys/kernel/tracing"
#define SECCOMP_FILTERS	8
#define SECCOMP_INSNS	1000

/* struct sched_attr, version 0, which the C library does not declare. */
struct tt_sched_attr {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE	6
#endif

static void spin_ns(struct tt_task *task, uint64_t ns)
{
	uint64_t end = tt_now_ns() + ns;

	while (tt_now_ns() < end)
		atomic_fetch_add(&task->progress, 1);
}

static void run_cfs(struct tt *t, struct tt_task *task)
{
	unsigned int i;

	while (!atomic_load(&t->stop_work))
		for (i = 0; i < 4096; i++)
			atomic_fetch_add(&task->progress, 1);
}

static void run_sleep(struct tt *t, struct tt_task *task, struct tt_rng *r)
{
	while (!atomic_load(&t->stop_work)) {
		atomic_fetch_add(&task->progress, 1);
		spin_ns(task, 100000);
		usleep(tt_rng_below(r, 2000));
	}
}

static void run_rt(struct tt *t, struct tt_task *task)
{
	struct sched_param sp = { .sched_priority = 1 + (int)task->index % 10 };
	int err = 0;

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		err = -errno;
	tt_count(t, TT_OP_RT_RUN, err, NULL);
	while (!atomic_load(&t->stop_work)) {
		spin_ns(task, 1000000);
		tt_count(t, TT_OP_RT_RUN, 0, NULL);
		usleep(4000);
	}
}

static void run_dl(struct tt *t, struct tt_task *task)
{
	static const int busy[] = { EBUSY, 0 };
	struct tt_sched_attr a = {
		.size = sizeof(a),
		.policy = SCHED_DEADLINE,
		.runtime = 1000000,
		.deadline = 10000000,
		.period = 10000000,
	};
	int err = 0;

	/* Admission may refuse while partitions or hotplug shrink the domain. */
	while (!atomic_load(&t->stop_work)) {
		err = syscall(SYS_sched_setattr, 0, &a, 0) ? -errno : 0;
		tt_count(t, TT_OP_DL_RUN, err, busy);
		if (!err)
			break;
		spin_ns(task, 1000000);
		usleep(20000);
	}
	while (!atomic_load(&t->stop_work)) {
		spin_ns(task, 700000);
		tt_count(t, TT_OP_DL_RUN, 0, NULL);
		sched_yield();
	}
}

/* Filters that allow everything, only to be run at each system call. */
static bool add_seccomp(void)
{
	struct sock_filter insn[SECCOMP_INSNS + 1];
	struct sock_fprog prog = { .len = SECCOMP_INSNS + 1, .filter = insn };
	unsigned int i;

	for (i = 0; i < SECCOMP_INSNS; i++)
		insn[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      0);
	insn[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_ALLOW);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return false;
	for (i = 0; i < SECCOMP_FILTERS; i++)
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			return false;
	return true;
}

static void run_migdis(struct tt *t, struct tt_task *task)
{
	static const char *const sizes[] = { "8", "16" };
	unsigned int i, n = 0;
	const char *size;
	char path[96];
	int fd, cpu, err;

	t->have_seccomp = add_seccomp();
	while (!atomic_load(&t->stop_work)) {
		atomic_fetch_add(&task->progress, 1);
		if (!t->have_tracefs) {
			/* Only the seccomp filters: every call runs them. */
			for (i = 0; i < 100; i++)
				getppid();
			tt_count(t, TT_OP_MIGDIS,
				 t->have_seccomp ? 0 : -EOPNOTSUPP, NULL);
			usleep(1000);
			continue;
		}
		cpu = sched_getcpu();
		snprintf(path, sizeof(path),
			 TRACEFS "/per_cpu/cpu%d/buffer_size_kb", cpu);
		fd = open(path, O_WRONLY);
		err = fd < 0 ? -errno : 0;
		if (fd >= 0) {
			size = sizes[n++ & 1];
			if (write(fd, size, strlen(size)) < 0)
				err = -errno;
			close(fd);
		}
		/* ENODEV: that CPU went offline on the way. */
		tt_count(t, TT_OP_MIGDIS, err,
			 (const int[]){ ENODEV, ENOENT, 0 });
		usleep(2000);
	}
}

struct start {
	struct tt *t;
	struct tt_task *task;
	pthread_barrier_t *ready;
};

static void *workload_thread(void *arg)
{
	struct start *s = arg;
	struct tt *t = s->t;
	struct tt_task *task = s->task;
	struct tt_rng r;

	task->tid = tt_gettid();
	tt_rng_init(&r, t->o.seed, 1000 + task->index);
	pthread_barrier_wait(s->ready);
	switch (task->cls) {
	case TT_C_CFS:
		run_cfs(t, task);
		break;
	case TT_C_SLEEP:
		run_sleep(t, task, &r);
		break;
	case TT_C_RT:
		run_rt(t, task);
		break;
	case TT_C_DL:
		run_dl(t, task);
		break;
	default:
		run_migdis(t, task);
		break;
	}
	return NULL;
}

static int add(struct tt *t, enum tt_class cls, unsigned int n)
{
	while (n--) {
		if (t->nr_tasks == TT_TASKS_MAX)
			return -ENOSPC;
		t->tasks[t->nr_tasks].cls = cls;
		t->tasks[t->nr_tasks].index = t->nr_tasks;
		t->nr_tasks++;
	}
	return 0;
}

int tt_workload_start(struct tt *t)
{
	struct start s[TT_TASKS_MAX];
	pthread_barrier_t ready;
	unsigned int i;
	int err;

	err = add(t, TT_C_CFS, t->o.workers);
	err = err ?: add(t, TT_C_SLEEP, 2);
	if (!t->o.skip[TT_S_RT])
		err = err ?: add(t, TT_C_RT, 2);
	if (!t->o.skip[TT_S_DL])
		err = err ?: add(t, TT_C_DL, 1);
	if (!t->o.skip[TT_S_MIGDIS])
		err = err ?: add(t, TT_C_MIGDIS, 1);
	if (err)
		return err;
	t->have_tracefs = !access(TRACEFS "/per_cpu/cpu0/buffer_size_kb",
				  W_OK);
	pthread_barrier_init(&ready, NULL, t->nr_tasks + 1);
	for (i = 0; i < t->nr_tasks; i++) {
		s[i] = (struct start){ t, &t->tasks[i], &ready };
		err = pthread_create(&t->tasks[i].thread, NULL,
				     workload_thread, &s[i]);
		if (err) {
			fprintf(stderr, "vfold-torture: thread: %s\n",
				strerror(err));
			return -err;
		}
	}
	pthread_barrier_wait(&ready);
	pthread_barrier_destroy(&ready);
	/* The record starts from an affinity the test set itself. */
	for (i = 0; i < t->nr_tasks; i++) {
		err = tt_set_recorded(t, &t->tasks[i], t->possible);
		if (err)
			return err;
		t->tasks[i].seen_at = tt_now_ns();
	}
	return 0;
}

void tt_workload_join(struct tt *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_tasks; i++)
		pthread_join(t->tasks[i].thread, NULL);
}
