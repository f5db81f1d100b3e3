// SPDX-License-Identifier: GPL-2.0
/* vfold-torture's helpers shared by the stressors and checkers. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "torture.h"

/* Failure lines per invariant without -v: the first ones tell the story. */
#define FAIL_LINES	5

uint64_t tt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void tt_sleep_until(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ULL),
		.tv_nsec = (long)(ns % 1000000000ULL),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

void tt_sleep_ms(unsigned int ms)
{
	tt_sleep_until(tt_now_ns() + (uint64_t)ms * 1000000ULL);
}

pid_t tt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void tt_count(struct tt *t, enum tt_op op, int err, const int *expected)
{
	struct tt_opcount *c = &t->ops[op];

	if (!err) {
		atomic_fetch_add(&c->ok, 1);
		return;
	}
	if (err < 0)
		err = -err;
	for (; expected && *expected; expected++) {
		if (*expected == err) {
			atomic_fetch_add(&c->expected, 1);
			return;
		}
	}
	atomic_fetch_add(&c->unexpected, 1);
	atomic_store(&c->last_errno, err);
}

void tt_count_timed(struct tt *t, enum tt_op op, int err,
		    const int *expected, uint64_t start_ns)
{
	atomic_fetch_add(&t->ops[op].ns, tt_now_ns() - start_ns);
	atomic_fetch_add(&t->ops[op].timed, 1);
	tt_count(t, op, err, expected);
}

static double elapsed_s(struct tt *t)
{
	return (double)(tt_now_ns() - t->start_ns) / 1e9;
}

/* The rest of a TAP diagnostic line, flushed; under report_lock. */
static void line_end(const char *fmt, va_list ap)
{
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void tt_fail(struct tt *t, enum tt_inv inv, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&t->inv[inv].failures, 1);
	pthread_mutex_lock(&t->report_lock);
	if (t->o.verbose || t->printed[inv] < FAIL_LINES) {
		t->printed[inv]++;
		printf("# FAIL %s at %.3f s: ", tt_inv_names[inv], elapsed_s(t));
		va_start(ap, fmt);
		line_end(fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&t->report_lock);
}

void tt_note(struct tt *t, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&t->report_lock);
	printf("# ");
	va_start(ap, fmt);
	line_end(fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&t->report_lock);
}

void tt_register_self(struct tt *t)
{
	pthread_mutex_lock(&t->census_lock);
	t->others[t->nr_others++] = tt_gettid();
	pthread_mutex_unlock(&t->census_lock);
}

static int read_cpus(struct tt *t, const char *file, tt_mask *m)
{
	char buf[512];
	int n;

	n = vfold_sysfs_read(&t->sys, file, buf, sizeof(buf));
	if (n < 0)
		return n;
	return tt_mask_parse(buf, m);
}

int tt_read_online(struct tt *t, tt_mask *m)
{
	return read_cpus(t, VFOLD_CPU_DIR "/online", m);
}

int tt_read_mask(struct tt *t, tt_mask *m)
{
	return read_cpus(t, VFOLD_CPU_DIR "/paravirt", m);
}

void tt_mask_observed(struct tt *t, tt_mask mask, bool rebase)
{
	uint64_t now = tt_now_ns();
	unsigned int cpu;

	atomic_fetch_add(&t->mask_seq, 1);
	for (cpu = 0; cpu < TT_CPUS_MAX; cpu++) {
		if (!(mask & tt_bit(cpu))) {
			if (rebase || atomic_load(&t->marked_since[cpu]) ||
			    !atomic_load(&t->unmarked_since[cpu]))
				atomic_store(&t->unmarked_since[cpu], now);
			atomic_store(&t->marked_since[cpu], 0);
		} else if (rebase || !atomic_load(&t->marked_since[cpu])) {
			atomic_store(&t->marked_since[cpu], now);
		}
	}
	t->mask_seen = mask;
	atomic_fetch_add(&t->mask_seq, 1);
}

int tt_task_stat(pid_t tid, char *state, int *cpu)
{
	char path[64], buf[1024];
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	n = vfold_read_file(path, buf, sizeof(buf), true);
	if (n < 0)
		return n;
	return tt_parse_stat(buf, state, cpu);
}

int tt_set_affinity(pid_t tid, tt_mask m)
{
	cpu_set_t set;
	unsigned int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < TT_CPUS_MAX; cpu++)
		if (m & tt_bit(cpu))
			CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set) ? -errno : 0;
}

int tt_get_affinity(pid_t tid, tt_mask *m)
{
	char path[64], buf[4096];
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	n = vfold_read_file(path, buf, sizeof(buf), false);
	if (n < 0)
		return n;
	return tt_parse_status_cpus(buf, m);
}

int tt_set_recorded(struct tt *t, struct tt_task *task, tt_mask m)
{
	tt_mask online, got, model;
	char want[256], have[256], asked[256];
	int err;

	err = tt_set_affinity(task->tid, m);
	if (err)
		return err;
	task->req = m;
	task->rec = m;
	task->rec_part = t->part;
	task->rec_at = tt_now_ns();
	if (tt_get_affinity(task->tid, &got) || tt_read_online(t, &online))
		return 0;
	/* The kernel's result is the record; it must be the model's too. */
	task->rec = got;
	model = tt_expected_affinity(m, t->part, t->possible, online);
	atomic_fetch_add(&t->inv[TT_I_AFF_SAME].checks, 1);
	if (got != model) {
		tt_mask_format(m, asked, sizeof(asked));
		tt_mask_format(got, have, sizeof(have));
		tt_mask_format(model, want, sizeof(want));
		tt_fail(t, TT_I_AFF_SAME,
			"thread %d: sched_setaffinity(%s) left %s, the model says %s (partitions %llx)",
			(int)task->tid, asked, have, want,
			(unsigned long long)t->part);
	}
	return 0;
}

static tt_mask expected_with(struct tt *t, const struct tt_task *task,
			     tt_mask part, tt_mask online)
{
	/* The kernel recomputes it from the request when partitions change. */
	if (task->rec_part == part)
		return task->rec;
	return tt_expected_affinity(task->req, part, t->possible, online);
}

tt_mask tt_task_expected(struct tt *t, const struct tt_task *task,
			 tt_mask online)
{
	return expected_with(t, task, t->part, online);
}

bool tt_strands(struct tt *t, tt_mask part, tt_mask usable)
{
	unsigned int i;

	for (i = 0; i < t->nr_tasks; i++)
		if (!(expected_with(t, &t->tasks[i], part, usable) & usable))
			return true;
	return false;
}
