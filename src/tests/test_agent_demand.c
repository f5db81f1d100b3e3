/* objects: vfold-agent/demand.o */
// SPDX-License-Identifier: GPL-2.0
/* The agent's demand arithmetic and its /proc/stat parser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "demand.h"

static const char procstat[] =
	"cpu  100 20 30 4000 50 6 7 800 0 0\n"
	"cpu0 50 10 15 2000 25 3 3 400 0 0\n"
	"cpu1 50 10 15 2000 25 3 4 400 0 0\n"
	"intr 12345 1 2 3\n"
	"ctxt 999\n"
	"btime 1700000000\n"
	"processes 4242\n"
	"procs_running 3\n"
	"procs_blocked 1\n"
	"softirq 1 2 3\n";

static void test_parse(void **state)
{
	struct vfold_cpustat cs;
	uint32_t running = 0;

	(void)state;
	assert_int_equal(procstat_parse(procstat, &cs, &running), 0);
	assert_int_equal(cs.user, 100);
	assert_int_equal(cs.nice, 20);
	assert_int_equal(cs.system, 30);
	assert_int_equal(cs.idle, 4000);
	assert_int_equal(cs.iowait, 50);
	assert_int_equal(cs.irq, 6);
	assert_int_equal(cs.softirq, 7);
	assert_int_equal(cs.steal, 800);
	assert_int_equal(running, 3);
	/* No steal column (old kernels): steal reads 0. */
	assert_int_equal(procstat_parse("cpu 1 2 3 4 5 6 7\n"
					"procs_running 1\n", &cs, &running), 0);
	assert_int_equal(cs.softirq, 7);
	assert_int_equal(cs.steal, 0);
}

static void test_parse_bad(void **state)
{
	struct vfold_cpustat cs = { .user = 77 };
	uint32_t running = 77;

	(void)state;
	assert_int_equal(procstat_parse("cpu 1 2 3 4 5 6\nprocs_running 1\n",
					&cs, &running), -EINVAL);
	assert_int_equal(procstat_parse("cpu 1 2 3 4 5 6 7 8\n", &cs,
					&running), -EINVAL);
	assert_int_equal(procstat_parse("procs_running 1\n", &cs, &running),
			 -EINVAL);
	/* "cpu0" is a per-CPU line, not the sum. */
	assert_int_equal(procstat_parse("cpu0 1 2 3 4 5 6 7\n"
					"procs_running 1\n", &cs, &running),
			 -EINVAL);
	assert_int_equal(procstat_parse("cpu 1 2 3 4 5 6 7\n"
					"procs_running x\n", &cs, &running),
			 -EINVAL);
	assert_int_equal(procstat_parse("cpu 1 2 3 4 5 6 7\n"
					"procs_running 4294967296\n", &cs,
					&running), -EINVAL);
	assert_int_equal(cs.user, 77);
	assert_int_equal(running, 77);
}

static void test_read(void **state)
{
	char path[] = "/tmp/vfold-stat.XXXXXX";
	struct vfold_cpustat cs;
	uint32_t running;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	/* A long intr line first, as on a guest with many interrupts. */
	for (int i = 0; i < 20000; i++)
		assert_int_equal(write(fd, i ? " 0" : "intr", i ? 2 : 4),
				 i ? 2 : 4);
	assert_true(write(fd, "\n", 1) == 1);
	assert_true(write(fd, procstat, strlen(procstat)) > 0);
	close(fd);
	assert_int_equal(procstat_read(path, &cs, &running), 0);
	assert_int_equal(cs.user, 100);
	assert_int_equal(running, 3);
	unlink(path);
	assert_int_equal(procstat_read(path, &cs, &running), -ENOENT);
}

static void test_waiting(void **state)
{
	(void)state;
	/* The agent itself is one of procs_running. */
	assert_int_equal(demand_waiting(0, 2), 0);
	assert_int_equal(demand_waiting(1, 0), 0);
	assert_int_equal(demand_waiting(3, 2), 0);
	assert_int_equal(demand_waiting(4, 2), 1);
	assert_int_equal(demand_waiting(9, 2), 6);
	assert_int_equal(demand_waiting(2, 0), 1);
}

static struct demand_input input(uint64_t busy_ticks, uint64_t ms)
{
	struct demand_input in = { .clk_tck = 100, .nr_cpus = 8,
				   .elapsed_ms = ms };

	in.prev = (struct vfold_cpustat){ .user = 1000, .idle = 5000,
				    .steal = 100 };
	in.cur = in.prev;
	in.cur.user += busy_ticks;
	return in;
}

static void test_busy(void **state)
{
	struct demand_input in;

	(void)state;
	/* 250 ticks of 10 ms in 1 s: 2.5 CPUs. */
	in = input(250, 1000);
	assert_int_equal(demand_milli(&in), 2500);
	/* The same over 2 s: 1.25. */
	in = input(250, 2000);
	assert_int_equal(demand_milli(&in), 1250);
	/* Each busy kind counts; idle, iowait and steal do not. */
	in = input(0, 1000);
	in.cur.nice += 10;
	in.cur.system += 20;
	in.cur.irq += 30;
	in.cur.softirq += 40;
	in.cur.idle += 500;
	in.cur.iowait += 77;
	in.cur.steal += 99;
	assert_int_equal(demand_milli(&in), 1000);
	/* Nothing happened, or no time passed. */
	in = input(0, 1000);
	assert_int_equal(demand_milli(&in), 0);
	in = input(100, 0);
	assert_int_equal(demand_milli(&in), 0);
	/* Counters going back (a reset) count as nothing, not as 2^64. */
	in = input(0, 1000);
	in.cur.user -= 500;
	assert_int_equal(demand_milli(&in), 0);
	/* USER_HZ 1000. */
	in = input(1500, 1000);
	in.clk_tck = 1000;
	assert_int_equal(demand_milli(&in), 1500);
}

static void test_waiting_average(void **state)
{
	struct demand_input in;

	(void)state;
	/* 2 kept CPUs busy, 3 tasks waiting on average over 10 samples. */
	in = input(200, 1000);
	in.waiting_sum = 30;
	in.samples = 10;
	assert_int_equal(demand_milli(&in), 5000);
	/* An average of 0.5 waiting. */
	in = input(200, 1000);
	in.waiting_sum = 5;
	in.samples = 10;
	assert_int_equal(demand_milli(&in), 2500);
	/* No samples: the busy part only. */
	in = input(200, 1000);
	in.waiting_sum = 5;
	assert_int_equal(demand_milli(&in), 2000);
}

static void test_cap(void **state)
{
	struct demand_input in;

	(void)state;
	in = input(700, 1000);
	in.waiting_sum = 100;
	in.samples = 10;
	assert_int_equal(demand_milli(&in), 8000);
	in.nr_cpus = 1;
	assert_int_equal(demand_milli(&in), 1000);
	in.nr_cpus = 0;
	assert_int_equal(demand_milli(&in), 0);
	/* Large counters do not overflow. */
	in = input(UINT32_MAX, 1000);
	in.nr_cpus = 8192;
	assert_int_equal(demand_milli(&in), 8192000);
}

static void test_psi(void **state)
{
	uint64_t t = 0;

	(void)state;
	assert_int_equal(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 "
				   "total=123456\nfull avg10=0.00 avg60=0.00 "
				   "avg300=0.00 total=7\n", &t), 0);
	assert_int_equal(t, 123456);
	assert_int_equal(psi_parse("full avg10=0.00 total=7\n", &t), -EINVAL);
	assert_int_equal(psi_parse("some avg10=0.00\nfull total=7\n", &t),
			 -EINVAL);
	assert_int_equal(psi_parse("some total=x\n", &t), -EINVAL);
	/* 0.25 s of 1 s: 250; capped at 1000; a total gone back: 0. */
	assert_int_equal(psi_permille(1000000, 1250000, 1000), 250);
	assert_int_equal(psi_permille(0, 5000000, 1000), 1000);
	assert_int_equal(psi_permille(5, 4, 1000), 0);
	assert_int_equal(psi_permille(0, 4, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_waiting),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_waiting_average),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_psi),
	};

	return cmocka_run_group_tests_name("agent_demand", tests, NULL, NULL);
}
