// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-torture: everything that touches the paravirt CPUs at once, for
 * a while, with the invariants checked all along (see torture.h for the
 * threads and their locks, docs/torture.md for the design).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "torture.h"

#define MAX_THREADS	16

static int setup(struct tt *t)
{
	char buf[256];
	tt_mask online;
	int err;

	vfold_sysfs_init(&t->sys, NULL);
	if (vfold_sysfs_read(&t->sys, VFOLD_CPU_DIR "/paravirt", buf,
			     sizeof(buf)) < 0) {
		fprintf(stderr, "vfold-torture: no %s/%s/paravirt: not a vfold kernel\n",
			VFOLD_SYSFS_ROOT, VFOLD_CPU_DIR);
		return -ENOENT;
	}
	if (!vfold_gov_present(&t->sys))
		t->o.skip[TT_S_GOVERNOR] = true;
	err = vfold_sysfs_read(&t->sys, VFOLD_CPU_DIR "/possible", buf,
			       sizeof(buf));
	if (err >= 0)
		err = tt_mask_parse(buf, &t->possible);
	if (!err)
		err = tt_read_online(t, &online);
	if (err) {
		fprintf(stderr, "vfold-torture: possible CPUs: %s (at most %d)\n",
			strerror(-err), TT_CPUS_MAX);
		return err;
	}
	t->nr_cpus = 64 - (unsigned int)__builtin_clzll(t->possible);
	if (!t->o.workers)
		t->o.workers = (__builtin_popcountll(online) + 1) / 2;
	if (!t->o.skip[TT_S_CPUSET]) {
		err = tt_cpuset_setup(t);
		if (err) {
			fprintf(stderr, "vfold-torture: cgroup v2 cpuset controller: %s\n",
				strerror(-err));
			return err;
		}
	}
	if (geteuid()) {
		fprintf(stderr, "vfold-torture: needs root\n");
		return -EPERM;
	}
	return 0;
}

static unsigned int registered(struct tt *t)
{
	unsigned int n;

	pthread_mutex_lock(&t->census_lock);
	n = t->nr_others;
	pthread_mutex_unlock(&t->census_lock);
	return n;
}

/* Starts a thread and waits until it is in the census's record. */
static void start(struct tt *t, pthread_t *th, unsigned int *n,
		  void *(*fn)(void *))
{
	unsigned int before = registered(t);
	int err = pthread_create(&th[*n], NULL, fn, t);

	if (err) {
		fprintf(stderr, "vfold-torture: thread: %s\n", strerror(err));
		exit(TT_EXIT_SETUP);
	}
	(*n)++;
	/*
	 * Ahead of the workload (FIFO 1-10), so that ops keep their rate on a
	 * loaded guest; they sleep most of the time.
	 */
	pthread_setschedparam(th[*n - 1], SCHED_FIFO,
			      &(struct sched_param){ .sched_priority = 50 });
	while (registered(t) == before)
		tt_sleep_ms(1);
}

int main(int argc, char **argv)
{
	static struct tt t;
	pthread_t th[MAX_THREADS];
	unsigned int n = 0, i, failed;
	char err[256];
	double secs;

	if (tt_parse_args(argc, argv, &t.o, err, sizeof(err))) {
		fprintf(stderr, "vfold-torture: %s\n", err);
		tt_usage(stderr);
		return TT_EXIT_USAGE;
	}
	if (t.o.help) {
		tt_usage(stdout);
		return 0;
	}
	if (!t.o.seed_given)
		t.o.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
			   tt_now_ns();
	pthread_mutex_init(&t.topo_lock, NULL);
	pthread_mutex_init(&t.mask_lock, NULL);
	pthread_mutex_init(&t.census_lock, NULL);
	pthread_mutex_init(&t.report_lock, NULL);
	if (setup(&t))
		return TT_EXIT_SETUP;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A child killed on the way must not take the test with it. */
	signal(SIGPIPE, SIG_IGN);

	printf("TAP version 13\n1..%d\n", TT_I_NR);
	printf("# vfold-torture: seed %llu (replay: --seed %llu)\n",
	       (unsigned long long)t.o.seed, (unsigned long long)t.o.seed);
	printf("# %u s, %u CPUs, %u workers, mask %u Hz, drain bound %u ms\n",
	       t.o.seconds, t.nr_cpus, t.o.workers, t.o.mask_hz, t.o.drain_ms);
	for (i = 0; i < TT_S_NR; i++)
		if (t.o.skip[i])
			printf("# skipped stressor: %s\n", tt_stressor_names[i]);
	for (i = 0; i < TT_I_NR; i++)
		if (t.o.bust[i])
			printf("# busted on purpose: %s (it must fail)\n",
			       tt_inv_names[i]);

	t.start_ns = tt_now_ns();
	if (tt_workload_start(&t)) {
		fprintf(stderr, "vfold-torture: cannot start the workload\n");
		return TT_EXIT_SETUP;
	}
	start(&t, th, &n, tt_check_kmsg);
	start(&t, th, &n, tt_check_affinity);
	start(&t, th, &n, tt_check_drain);
	start(&t, th, &n, tt_check_census);
	start(&t, th, &n, tt_check_mask);
	if (!t.o.skip[TT_S_MASK] || !t.o.skip[TT_S_GOVERNOR])
		start(&t, th, &n, tt_stress_mask);
	if (!t.o.skip[TT_S_AFFINITY])
		start(&t, th, &n, tt_stress_affinity);
	if (!t.o.skip[TT_S_HOTPLUG])
		start(&t, th, &n, tt_stress_hotplug);
	if (!t.o.skip[TT_S_CPUSET])
		start(&t, th, &n, tt_stress_cpuset);
	if (!t.o.skip[TT_S_CHURN])
		start(&t, th, &n, tt_stress_churn);
	if (!t.o.skip[TT_S_STRESSNG])
		tt_stressng_start(&t);

	tt_sleep_until(t.start_ns + (uint64_t)t.o.seconds * 1000000000ULL);
	secs = (double)(tt_now_ns() - t.start_ns) / 1e9;
	atomic_store(&t.stop, true);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	/* Only now: a check or op in flight must find the workload alive. */
	atomic_store(&t.stop_work, true);
	tt_workload_join(&t);
	tt_stressng_stop(&t);
	if (!t.o.skip[TT_S_CPUSET])
		tt_cpuset_cleanup(&t);
	tt_restore_cpus(&t);
	if (!t.o.skip[TT_S_GOVERNOR])
		tt_restore_governor(&t);
	else
		vfold_sysfs_write(&t.sys, VFOLD_CPU_DIR "/paravirt", "\n");

	failed = tt_report(&t, secs, stdout);
	printf("# vfold-torture: %u of %d invariants failed; seed %llu\n",
	       failed, TT_I_NR, (unsigned long long)t.o.seed);
	return failed ? TT_EXIT_FAIL : 0;
}
