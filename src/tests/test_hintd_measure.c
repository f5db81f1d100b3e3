/* objects: vfold-hintd/measure.o */
// SPDX-License-Identifier: GPL-2.0
/* vfold-hintd's measurement: schedstat parsing and deltas, on temp files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "measure.h"

#define PID 100
#define SEC 1000000000ull

static char proc[64];

static int make_proc(void **state)
{
	(void)state;
	snprintf(proc, sizeof(proc), "/tmp/test_hintd_measure.XXXXXX");
	return mkdtemp(proc) ? 0 : -1;
}

static int remove_proc(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", proc);
	return system(cmd);
}

static void set_thread(pid_t tid, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", proc, PID);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/task", proc, PID);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/task/%d", proc, PID, tid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/task/%d/schedstat", proc, PID, tid);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void drop_thread(pid_t tid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d/task/%d/schedstat", proc, PID, tid);
	assert_int_equal(unlink(path), 0);
}

static void test_parse(void **state)
{
	struct schedstat s = { 7, 7 };

	(void)state;
	assert_int_equal(schedstat_parse("123 456 7\n", &s), 0);
	assert_true(s.run_ns == 123 && s.wait_ns == 456);
	assert_int_equal(schedstat_parse("18446744073709551615 0 0\n", &s), 0);
	assert_true(s.run_ns == UINT64_MAX && s.wait_ns == 0);
	assert_int_equal(schedstat_parse("5 6", &s), 0);
	assert_int_equal(schedstat_parse("", &s), -EINVAL);
	assert_int_equal(schedstat_parse("12\n", &s), -EINVAL);
	assert_int_equal(schedstat_parse("x 1 2\n", &s), -EINVAL);
	assert_int_equal(schedstat_parse(" 1 2 3\n", &s), -EINVAL);
	assert_int_equal(schedstat_parse("1 -2 3\n", &s), -EINVAL);
	assert_true(s.run_ns == 5 && s.wait_ns == 6);	/* untouched */
}

static void test_read_missing(void **state)
{
	struct schedstat s;

	(void)state;
	assert_int_equal(schedstat_read(proc, PID, 999, &s), -ENOENT);
	set_thread(11, "garbage\n");
	assert_int_equal(schedstat_read(proc, PID, 11, &s), -EINVAL);
}

/* Two threads over 2 s: run 1.5 s + 0.5 s, wait 1 s + 0: 1 and 0.5 CPU. */
static void test_deltas(void **state)
{
	const pid_t tids[] = { 1, 2 };
	struct measure m = { 0 };
	struct usage u;

	(void)state;
	set_thread(1, "1000 2000 1\n");
	set_thread(2, "5000 0 1\n");
	assert_int_equal(measure_sample(&m, proc, PID, tids, 2, 10 * SEC, &u), 0);
	assert_false(u.valid);
	assert_int_equal(u.threads, 2);
	assert_true(u.run == 0 && u.wait == 0);

	set_thread(1, "1500001000 1000002000 9\n");
	set_thread(2, "500005000 0 3\n");
	assert_int_equal(measure_sample(&m, proc, PID, tids, 2, 12 * SEC, &u), 0);
	assert_true(u.valid);
	assert_int_equal(u.counted, 2);
	assert_true(u.run > 0.999999 && u.run < 1.000001);
	assert_true(u.wait > 0.499999 && u.wait < 0.500001);
	measure_free(&m);
}

static void test_steal_permille(void **state)
{
	(void)state;
	assert_int_equal(steal_permille(0, 0), 0);
	assert_int_equal(steal_permille(1000, 0), 0);
	assert_int_equal(steal_permille(0, 5), 1000);
	assert_int_equal(steal_permille(750, 250), 250);
	/* Rounded down: 1/3 is 333. */
	assert_int_equal(steal_permille(2, 1), 333);
	assert_int_equal(steal_permille(1, 999999), 999);
	/* Counters of any size: no overflow. */
	assert_int_equal(steal_permille(UINT64_MAX, UINT64_MAX), 500);
	assert_int_equal(steal_permille(0, UINT64_MAX), 1000);
}

/*
 * The steal per vCPU index, over the interval: wait out of run+wait; a
 * thread that vanished counts 0, the first sample gives 0 for all.
 */
static void test_steal_per_vcpu(void **state)
{
	const pid_t tids[] = { 21, 22, 23, 24 };
	struct measure m = { 0 };
	struct usage u;

	(void)state;
	set_thread(21, "1000 1000 0\n");
	set_thread(22, "0 0 0\n");
	set_thread(23, "0 0 0\n");
	set_thread(24, "0 0 0\n");
	assert_int_equal(measure_sample(&m, proc, PID, tids, 4, SEC, &u), 0);
	assert_true(u.has_steal);
	assert_int_equal(u.nr_steal, 4);
	assert_int_equal(u.steal[0], 0);

	/* 21: ran 0.6 s, waited 0.4 s; 22: idle; 23: gone; 24: waited. */
	set_thread(21, "600001000 400001000 0\n");
	drop_thread(23);
	set_thread(24, "0 900000000 0\n");
	assert_int_equal(measure_sample(&m, proc, PID, tids, 4, 2 * SEC, &u),
			 0);
	assert_int_equal(u.nr_steal, 4);
	assert_int_equal(u.steal[0], 400);
	assert_int_equal(u.steal[1], 0);
	assert_int_equal(u.steal[2], 0);
	assert_int_equal(u.steal[3], 1000);
	/* Counters gone back (a tid reused): 0 for that interval. */
	set_thread(21, "0 0 0\n");
	measure_sample(&m, proc, PID, tids, 4, 3 * SEC, &u);
	assert_int_equal(u.steal[0], 0);
	measure_free(&m);
}

/* A VM with more vCPUs than a target's steal can carry has none. */
static void test_steal_too_many_vcpus(void **state)
{
	pid_t tids[VFOLD_STEAL_MAX + 1];
	struct measure m = { 0 };
	struct usage u;
	size_t i;

	(void)state;
	for (i = 0; i <= VFOLD_STEAL_MAX; i++)
		tids[i] = 100000 + i;	/* no such files: vanished */
	measure_sample(&m, proc, PID, tids, VFOLD_STEAL_MAX, SEC, &u);
	assert_true(u.has_steal);
	assert_int_equal(u.nr_steal, VFOLD_STEAL_MAX);
	measure_sample(&m, proc, PID, tids, VFOLD_STEAL_MAX + 1, 2 * SEC, &u);
	assert_false(u.has_steal);
	assert_int_equal(u.nr_steal, 0);
	measure_free(&m);
}

/* A thread that vanished counts as nothing; one that appears, next time. */
static void test_vanished_and_new(void **state)
{
	const pid_t two[] = { 1, 2 }, three[] = { 1, 2, 3 };
	struct measure m = { 0 };
	struct usage u;

	(void)state;
	set_thread(1, "0 0 0\n");
	set_thread(2, "0 0 0\n");
	measure_sample(&m, proc, PID, two, 2, SEC, &u);
	drop_thread(2);
	set_thread(1, "1000000000 0 0\n");
	set_thread(3, "777000000000 0 0\n");
	assert_int_equal(measure_sample(&m, proc, PID, three, 3, 2 * SEC, &u),
			 0);
	assert_int_equal(u.threads, 2);
	assert_int_equal(u.counted, 1);
	assert_true(u.run > 0.999 && u.run < 1.001);

	set_thread(1, "2000000000 0 0\n");
	set_thread(3, "777500000000 0 0\n");
	measure_sample(&m, proc, PID, three, 3, 3 * SEC, &u);
	assert_int_equal(u.counted, 2);
	assert_true(u.run > 1.499 && u.run < 1.501);

	/* All gone: nothing, and no crash. */
	drop_thread(1);
	drop_thread(3);
	measure_sample(&m, proc, PID, three, 3, 4 * SEC, &u);
	assert_int_equal(u.threads, 0);
	assert_true(u.run == 0 && u.wait == 0);
	measure_free(&m);
}

/* Counters going backwards (a tid reused by a new thread): skipped once. */
static void test_backwards(void **state)
{
	const pid_t tids[] = { 1 };
	struct measure m = { 0 };
	struct usage u;

	(void)state;
	set_thread(1, "9000000000 9000000000 0\n");
	measure_sample(&m, proc, PID, tids, 1, SEC, &u);
	set_thread(1, "100 100 0\n");
	measure_sample(&m, proc, PID, tids, 1, 2 * SEC, &u);
	assert_int_equal(u.counted, 0);
	assert_true(u.run == 0 && u.wait == 0);
	set_thread(1, "500000100 100 0\n");
	measure_sample(&m, proc, PID, tids, 1, 3 * SEC, &u);
	assert_int_equal(u.counted, 1);
	assert_true(u.run > 0.499 && u.run < 0.501);
	measure_free(&m);
}

/* The clock not moving gives no usage rather than a division by zero. */
static void test_no_elapsed(void **state)
{
	const pid_t tids[] = { 1 };
	struct measure m = { 0 };
	struct usage u;

	(void)state;
	set_thread(1, "0 0 0\n");
	measure_sample(&m, proc, PID, tids, 1, SEC, &u);
	set_thread(1, "10 0 0\n");
	measure_sample(&m, proc, PID, tids, 1, SEC, &u);
	assert_false(u.valid);
	assert_true(u.run == 0);
	measure_free(&m);
}

/* The real /proc: this thread's own counters, and its affinity. */
static void test_real_proc(void **state)
{
	pid_t self = getpid();
	struct schedstat s;
	cpu_set_t set;

	(void)state;
	if (schedstat_read("/proc", self, self, &s) < 0)
		skip();	/* a kernel without CONFIG_SCHED_INFO */
	CPU_ZERO(&set);
	assert_int_equal(measure_affinity(self, &set), 0);
	assert_true(CPU_COUNT(&set) >= 1);
	assert_int_equal(measure_affinity(-1, &set), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_deltas),
		cmocka_unit_test(test_vanished_and_new),
		cmocka_unit_test(test_steal_permille),
		cmocka_unit_test(test_steal_per_vcpu),
		cmocka_unit_test(test_steal_too_many_vcpus),
		cmocka_unit_test(test_backwards),
		cmocka_unit_test(test_no_elapsed),
		cmocka_unit_test(test_real_proc),
	};

	return cmocka_run_group_tests_name("hintd_measure", tests, make_proc,
					   remove_proc);
}
