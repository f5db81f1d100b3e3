/* objects: vfold-torture/invariant.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-torture's invariants: each verdict on samples that hold and on
 * samples that break it (the broken case must fire), the expected
 * affinity under cpuset partitions, the drain's start, the census, the
 * stat parser and the splat patterns.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../vfold-torture/invariant.h"

#define MS	1000000ULL

static void test_expected_affinity(void **state)
{
	static const struct {
		tt_mask rec, part, possible, online, want;
		const char *name;
	} cases[] = {
		{ 0x0f, 0, 0x0f, 0x0f, 0x0f, "no partition: the request" },
		{ 0x02, 0, 0x0f, 0x0d, 0x02, "an offline CPU stays allowed" },
		{ 0x06, 0x04, 0x0f, 0x0f, 0x02, "a partition's CPU is taken" },
		{ 0x04, 0x04, 0x0f, 0x0f, 0x0b, "all taken: root's CPUs" },
		{ 0x04, 0x0e, 0x0f, 0x01, 0x01, "only CPU 0 left" },
		{ 0x02, 0x0e, 0x0f, 0x0e, 0x02, "nothing online left: possible" },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_mask got = tt_expected_affinity(cases[i].rec, cases[i].part,
						   cases[i].possible,
						   cases[i].online);

		if (got != cases[i].want)
			fail_msg("%s: got %llx, want %llx", cases[i].name,
				 (unsigned long long)got,
				 (unsigned long long)cases[i].want);
	}
}

static void test_status_cpus(void **state)
{
	static const char status[] =
		"Name:\tvfold-torture\nState:\tR (running)\n"
		"Cpus_allowed:\tf\nCpus_allowed_list:\t0-1,3\n"
		"Mems_allowed:\t1\n";
	tt_mask m = 0;

	(void)state;
	assert_int_equal(tt_parse_status_cpus(status, &m), 0);
	assert_int_equal(m, 0x0b);
	/* The hex line must not be taken for the list. */
	assert_int_equal(tt_parse_status_cpus("Name:\tx\nCpus_allowed:\tf\n",
					      &m), -EINVAL);
	assert_int_equal(tt_parse_status_cpus("Name:\tx\nCpus_allowed_list:\t\n",
					      &m), -EINVAL);
	assert_int_equal(tt_parse_status_cpus("Name:\tx\nCpus_allowed_list:\t0-x\n",
					      &m), -EINVAL);
}

static void test_affinity_verdict(void **state)
{
	static const struct {
		tt_mask got, expected, online;
		enum tt_aff_verdict want;
		const char *name;
	} cases[] = {
		{ 0x0c, 0x0c, 0x07, TT_AFF_SAME,
		  "an offline CPU stays in the affinity" },
		{ 0x04, 0x0c, 0x07, TT_AFF_CHANGED,
		  "the offline CPU dropped (what sched_getaffinity shows)" },
		{ 0x0f, 0x08, 0x07, TT_AFF_FALLBACK,
		  "none online: widened to every CPU" },
		{ 0x0b, 0x08, 0x03, TT_AFF_FALLBACK,
		  "none online: widened to the cpuset's CPUs" },
		{ 0x0f, 0x0c, 0x07, TT_AFF_CHANGED,
		  "widened while one of its CPUs is online" },
		{ 0x07, 0x08, 0x07, TT_AFF_CHANGED,
		  "none online, but not a superset" },
		{ 0x0c, 0x08, 0x03, TT_AFF_CHANGED,
		  "none online, widened to no online CPU" },
		{ 0x02, 0x06, 0x0f, TT_AFF_CHANGED,
		  "narrowed behind the test's back" },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tt_aff_verdict got = tt_affinity_verdict(cases[i].got,
							      cases[i].expected,
							      cases[i].online);

		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name, got,
				 cases[i].want);
	}
}

static void test_runs_outside(void **state)
{
	(void)state;
	assert_false(tt_runs_outside('R', 1, 0x02));
	assert_true(tt_runs_outside('R', 2, 0x02));
	/* A sleeping task's CPU is where it last ran: no verdict. */
	assert_false(tt_runs_outside('S', 2, 0x02));
	assert_false(tt_runs_outside('D', 2, 0x02));
	assert_false(tt_runs_outside('R', -1, 0x02));
	assert_false(tt_runs_outside('R', 64, 0x02));
}

static void test_drain_overdue(void **state)
{
	(void)state;
	/* On marked CPU 2 for 400 ms, CPU 0 free: over a 300 ms bound. */
	assert_true(tt_drain_overdue('R', 2, 0x04, 0x0f, 0x0f, 100 * MS,
				     500 * MS, 300 * MS));
	assert_false(tt_drain_overdue('R', 2, 0x04, 0x0f, 0x0f, 300 * MS,
				      500 * MS, 300 * MS));
	/* Allowed only marked CPUs: it must stay. */
	assert_false(tt_drain_overdue('R', 2, 0x0c, 0x0f, 0x0c, 100 * MS,
				      500 * MS, 300 * MS));
	/* Its only unmarked CPU is offline. */
	assert_false(tt_drain_overdue('R', 2, 0x04, 0x0c, 0x06, 100 * MS,
				      500 * MS, 300 * MS));
	assert_false(tt_drain_overdue('S', 2, 0x04, 0x0f, 0x0f, 100 * MS,
				      500 * MS, 300 * MS));
	assert_false(tt_drain_overdue('R', 1, 0x04, 0x0f, 0x0f, 100 * MS,
				      500 * MS, 300 * MS));
	assert_false(tt_drain_overdue('R', 2, 0x04, 0x0f, 0x0f, 0, 500 * MS,
				      300 * MS));
}

static void test_drain_start(void **state)
{
	uint64_t unmarked[TT_CPUS_MAX] = { 0 };

	(void)state;
	unmarked[0] = 50 * MS;
	unmarked[1] = 200 * MS;
	/* Marked at 100, CPU 0 free since 50: from 100. */
	assert_int_equal(tt_drain_start(100 * MS, unmarked, 0x01, 0), 100 * MS);
	/* Only CPU 1 free, since 200: from 200. */
	assert_int_equal(tt_drain_start(100 * MS, unmarked, 0x02, 0), 200 * MS);
	/* Either: the earlier one counts. */
	assert_int_equal(tt_drain_start(100 * MS, unmarked, 0x03, 0), 100 * MS);
	/* Its affinity changed at 300. */
	assert_int_equal(tt_drain_start(100 * MS, unmarked, 0x03, 300 * MS),
			 300 * MS);
	/* Not known marked, nowhere to go, or a free CPU of unknown age. */
	assert_int_equal(tt_drain_start(0, unmarked, 0x03, 0), 0);
	assert_int_equal(tt_drain_start(100 * MS, unmarked, 0, 0), 0);
	assert_int_equal(tt_drain_start(100 * MS, unmarked, 0x04, 0), 0);
}

static void test_mask_broken(void **state)
{
	(void)state;
	assert_null(tt_mask_broken(0, 0x0f));
	assert_null(tt_mask_broken(0x0e, 0x0f));
	assert_non_null(tt_mask_broken(0x0f, 0x0f));
	assert_non_null(tt_mask_broken(0x0d, 0x0d));
	assert_non_null(tt_mask_broken(0x10, 0x0f));
}

static void test_census(void **state)
{
	pid_t want[] = { 30, 10, 20 }, have[] = { 20, 10, 30 };
	pid_t lost_have[] = { 10, 30 }, extra_have[] = { 10, 20, 30, 40 };
	pid_t lost, extra;

	(void)state;
	assert_int_equal(tt_census_diff(want, 3, have, 3, &lost, &extra), 0);
	assert_int_equal(lost, 0);
	assert_int_equal(tt_census_diff(want, 3, lost_have, 2, &lost, &extra),
			 1);
	assert_int_equal(lost, 20);
	assert_int_equal(extra, 0);
	assert_int_equal(tt_census_diff(want, 3, extra_have, 4, &lost,
					&extra), 1);
	assert_int_equal(lost, 0);
	assert_int_equal(extra, 40);
	assert_int_equal(tt_census_diff(want, 3, NULL, 0, &lost, &extra), 3);
	assert_int_equal(lost, 10);
}

static void test_parse_stat(void **state)
{
	/* Fields 3..39 after the name; 39 is 3. A name with ") (". */
	const char *line =
		"123 (a) (b) R 1 123 123 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 "
		"1 0 100 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 "
		"0 17 3 0 0 0 0 0\n";
	char st = 0;
	int cpu = -1;

	(void)state;
	assert_int_equal(tt_parse_stat(line, &st, &cpu), 0);
	assert_int_equal(st, 'R');
	assert_int_equal(cpu, 3);
	assert_int_equal(tt_parse_stat("123 (x) S 1 2", &st, &cpu), -EINVAL);
	assert_int_equal(tt_parse_stat("garbage", &st, &cpu), -EINVAL);
}

static void test_splat(void **state)
{
	struct tt_splat s;

	(void)state;
	assert_int_equal(tt_splat_init(&s), 0);
	assert_true(tt_splat_match(&s, "WARNING: CPU: 1 PID: 5 at kernel/sched/core.c:1 x"));
	assert_true(tt_splat_match(&s, "BUG: sleeping function called from invalid context"));
	assert_true(tt_splat_match(&s, "INFO: task kworker:1 blocked for more than 30 seconds."));
	assert_true(tt_splat_match(&s, "rcu: INFO: rcu_preempt self-detected stall on CPU"));
	assert_true(tt_splat_match(&s, "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!"));
	assert_true(tt_splat_match(&s, "rcu_preempt kthread starved for 2000 jiffies!"));
	assert_false(tt_splat_match(&s, "smpboot: CPU 3 is now offline"));
	assert_false(tt_splat_match(&s, "process 77 (x) no longer affine to cpu3"));
	tt_splat_free(&s);
}

static void test_hist(void **state)
{
	struct tt_hist h;
	unsigned int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(tt_hist_quantile(&h, 500), 0);
	for (i = 0; i < 99; i++)
		tt_hist_add(&h, 100);
	tt_hist_add(&h, 50000);
	assert_int_equal(h.n, 100);
	assert_int_equal(h.max_us, 50000);
	assert_true(tt_hist_quantile(&h, 500) >= 100);
	assert_true(tt_hist_quantile(&h, 500) <= 256);
	assert_int_equal(tt_hist_quantile(&h, 1000), 50000);
}

static void test_mask_text(void **state)
{
	char buf[64];
	tt_mask m;

	(void)state;
	assert_int_equal(tt_mask_parse("0-2,5", &m), 0);
	assert_int_equal(m, 0x27);
	tt_mask_format(m, buf, sizeof(buf));
	assert_string_equal(buf, "0-2,5");
	assert_int_equal(tt_mask_parse("", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(tt_mask_parse("64", &m), -ERANGE);
	assert_int_equal(tt_mask_parse("x", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected_affinity),
		cmocka_unit_test(test_status_cpus),
		cmocka_unit_test(test_affinity_verdict),
		cmocka_unit_test(test_runs_outside),
		cmocka_unit_test(test_drain_overdue),
		cmocka_unit_test(test_drain_start),
		cmocka_unit_test(test_mask_broken),
		cmocka_unit_test(test_census),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_splat),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_mask_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
