/* objects: vfoldctl/change.o vfoldctl/state.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfoldctl's wording of each refusal the kernel can give (which a fake
 * sysfs cannot), the scheduler debug file's push counts, and steal
 * between two readings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../vfoldctl/change.h"

#define PV	"devices/system/cpu/paravirt"

static char msg[512];

static const char *say(const char *file, const char *val, int err,
		       const char *mode)
{
	ctl_refusal(msg, sizeof(msg), file, val, err, mode, 8);
	return msg;
}

static void test_paravirt(void **state)
{
	(void)state;
	assert_string_equal(say(PV, "1", EBUSY, "hint"),
			    "the governor (mode hint) sets the paravirt "
			    "CPUs; 'vfoldctl mode off' first");
	/* EBUSY with the governor off: only sched_ext refuses then. */
	assert_string_equal(say(PV, "1", EBUSY, "off"),
			    "a BPF scheduler (sched_ext) is loaded: no CPU "
			    "can be folded until it is unloaded");
	assert_string_equal(say(PV, "1", EBUSY, NULL), msg);
	assert_non_null(strstr(say(PV, "1", EBUSY, ""), "sched_ext"));
	assert_string_equal(say(PV, "0-3", EINVAL, "off"),
			    "the kernel refused paravirt CPUs \"0-3\": a CPU "
			    "offline or not present, or every online CPU");
	assert_string_equal(say(PV, "1", EACCES, "off"),
			    "cannot write paravirt: permission denied "
			    "(needs root)");
	assert_string_equal(say(PV, "1", EPERM, "off"), msg);
	assert_string_equal(say(PV, "1", ENOENT, NULL),
			    "no paravirt file: the kernel has no paravirt "
			    "CPUs (CONFIG_SCHED_PARAVIRT_CPUS)");
	assert_string_equal(say(PV, "1", EIO, "off"),
			    "cannot write paravirt: Input/output error");
}

static void test_governor(void **state)
{
	(void)state;
	assert_string_equal(say("mode", "fast", EINVAL, "off"),
			    "the kernel refused mode \"fast\" (see "
			    "available_modes)");
	assert_string_equal(say("interval_ms", "5", EINVAL, "off"),
			    "interval_ms takes 50..10000, not \"5\"");
	/* A CPU count's range ends at the number of CPU ids. */
	assert_string_equal(say("hint", "9", EINVAL, "hint"),
			    "hint takes 1..8, not \"9\"");
	assert_string_equal(say("steal_low_permille", "60", EINVAL, "off"),
			    "steal_low_permille takes 0..999 below "
			    "steal_high_permille, not \"60\"");
	assert_string_equal(say("smt_high_permille", "6", EINVAL, "off"),
			    "smt_high_permille takes 1..1000 above "
			    "smt_low_permille, not \"6\"");
	assert_string_equal(say("hint_ttl_ms", "1", ENOENT, "off"),
			    "no paravirt_governor/hint_ttl_ms: the kernel "
			    "has no paravirt governor "
			    "(CONFIG_SCHED_PARAVIRT_GOVERNOR)");
	assert_string_equal(say("min_cpus", "1", EACCES, "off"),
			    "cannot write min_cpus: permission denied "
			    "(needs root)");
	assert_string_equal(say("mode", "steal", EBUSY, "off"),
			    "cannot write mode: Device or resource busy");
}

static void test_knobs(void **state)
{
	const struct ctl_knob *k;

	(void)state;
	for (int i = 0; i < CTL_NR_KNOBS; i++)
		assert_ptr_equal(ctl_knob_find(ctl_knobs[i].name),
				 &ctl_knobs[i]);
	assert_null(ctl_knob_find("folds"));
	assert_null(ctl_knob_find("mode"));
	k = ctl_knob_find("entitled_cpus");
	assert_int_equal(ctl_knob_max(k, 16), 16);
	k = ctl_knob_find("interval_ms");
	assert_int_equal(ctl_knob_max(k, 16), 10000);
}

static void test_pushes(void **state)
{
	struct ctl_cpu cpu[3] = { 0 };
	struct ctl_snapshot s = { .nr_ids = 3, .cpu = cpu };

	(void)state;
	ctl_parse_pushes("Sched Debug Version: v0.11\n"
			 "cpu#0, 2400.000 MHz\n"
			 "  .paravirt_pushes               : 5\n"
			 "cfs_rq[0]:/\n"
			 "  .paravirt_pushes_x             : 9\n"
			 "cpu#1\n"
			 "  .ttwu_local                    : 1\n"
			 "cpu#2\n"
			 "  .paravirt_pushes               : 12345678901\n"
			 "cpu#7\n"
			 "  .paravirt_pushes               : 3\n", &s);
	assert_true(cpu[0].has_pushes);
	assert_int_equal(cpu[0].pushes, 5);
	/* Without schedstats the line is absent: unknown, not 0. */
	assert_false(cpu[1].has_pushes);
	assert_true(cpu[2].has_pushes);
	assert_int_equal(cpu[2].pushes, 12345678901ULL);
}

static void test_steal(void **state)
{
	struct ctl_cpu a[2] = { 0 }, b[2] = { 0 };
	struct ctl_snapshot prev = { .nr_ids = 2, .cpu = a, .has_stat = true };
	struct ctl_snapshot cur = { .nr_ids = 2, .cpu = b, .has_stat = true };

	(void)state;
	prev.all = (struct vfold_cpustat){ .user = 100, .idle = 100 };
	cur.all = (struct vfold_cpustat){ .user = 150, .idle = 130,
					  .steal = 20 };
	/* 20 of 100 ticks in between; 20 of 300 since boot. */
	assert_true(ctl_steal_pct(&prev, &cur, -1) == 20.0);
	assert_true(ctl_steal_pct(NULL, &cur, -1) > 6.66 &&
		    ctl_steal_pct(NULL, &cur, -1) < 6.67);
	/* No time passed, a CPU without a line, or counts gone back. */
	assert_true(ctl_steal_pct(&cur, &cur, -1) < 0);
	assert_true(ctl_steal_pct(&prev, &cur, 0) < 0);
	a[1] = (struct ctl_cpu){ .has_stat = true,
				 .stat = { .system = 50, .steal = 50 } };
	b[1] = (struct ctl_cpu){ .has_stat = true,
				 .stat = { .system = 60, .steal = 40 } };
	assert_true(ctl_steal_pct(&prev, &cur, 1) < 0);
	b[1].stat.steal = 90;
	assert_true(ctl_steal_pct(&prev, &cur, 1) == 80.0);
	assert_true(ctl_steal_pct(&prev, &cur, 2) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paravirt),
		cmocka_unit_test(test_governor),
		cmocka_unit_test(test_knobs),
		cmocka_unit_test(test_pushes),
		cmocka_unit_test(test_steal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
