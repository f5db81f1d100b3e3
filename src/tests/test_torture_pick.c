/* objects: vfold-torture/pick.o vfold-torture/invariant.o vfold-torture/opts.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-torture's op scheduling and choices: a seed replays the same
 * choices, streams differ, weights are honoured, each mask and affinity
 * kind keeps its promise (a random mask never covers every online CPU),
 * the rate neither drifts nor bursts after a stall, and the options.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../vfold-torture/opts.h"
#include "../vfold-torture/pick.h"

#define ARGC(a)	((int)(sizeof(a) / sizeof((a)[0])))

static void test_rng_replays(void **state)
{
	struct tt_rng a, b, c;
	unsigned int i, same = 0;

	(void)state;
	tt_rng_init(&a, 42, 1);
	tt_rng_init(&b, 42, 1);
	tt_rng_init(&c, 42, 2);
	for (i = 0; i < 1000; i++) {
		uint64_t x = tt_rng_next(&a);

		assert_int_equal(x, tt_rng_next(&b));
		same += x == tt_rng_next(&c);
	}
	assert_int_equal(same, 0);
	for (i = 0; i < 1000; i++)
		assert_true(tt_rng_below(&a, 7) < 7);
}

static void test_weighted(void **state)
{
	const unsigned int w[] = { 0, 3, 1 };
	unsigned int n[3] = { 0 }, i;
	struct tt_rng r;

	(void)state;
	tt_rng_init(&r, 1, 0);
	for (i = 0; i < 40000; i++)
		n[tt_pick_weighted(&r, w, 3)]++;
	assert_int_equal(n[0], 0);
	/* 3:1, within a few percent. */
	assert_true(n[1] > 2.8 * n[2] && n[1] < 3.2 * n[2]);
}

static void test_masks(void **state)
{
	const tt_mask online = 0x2f;
	struct tt_rng r;
	unsigned int i;
	tt_mask m;

	(void)state;
	tt_rng_init(&r, 7, 0);
	for (i = 0; i < 2000; i++) {
		m = tt_pick_mask(&r, TT_MASK_RANDOM, online, 0);
		assert_true((m & ~online) == 0);
		assert_true(m != online);
		m = tt_pick_mask(&r, TT_MASK_SINGLE, online, 0);
		assert_int_equal(__builtin_popcountll(m), 1);
		assert_true(m & online);
		m = tt_pick_mask(&r, TT_MASK_ALL_BUT_ONE, online, 0);
		assert_int_equal(__builtin_popcountll(online & ~m), 1);
		/* The sticky CPU stays marked unless that fills the mask. */
		m = tt_pick_mask(&r, TT_MASK_RANDOM, online, 0x04);
		assert_true(m & 0x04);
		assert_true(m != online);
	}
	assert_int_equal(tt_pick_mask(&r, TT_MASK_EMPTY, online, 0x04), 0);
	assert_int_equal(tt_pick_mask(&r, TT_MASK_FULL, online, 0), online);
}

static void test_affinities(void **state)
{
	struct tt_rng r;
	unsigned int i;
	tt_mask m;

	(void)state;
	tt_rng_init(&r, 9, 0);
	for (i = 0; i < 1000; i++) {
		m = tt_pick_affinity(&r, TT_AFF_RANDOM, 0x0f, 0x0b, 0x08);
		assert_true(m && !(m & ~0x0fULL));
		m = tt_pick_affinity(&r, TT_AFF_SINGLE, 0x0f, 0x0b, 0x08);
		assert_int_equal(__builtin_popcountll(m), 1);
		assert_true(m & 0x0b);
	}
	assert_int_equal(tt_pick_affinity(&r, TT_AFF_MARKED, 0x0f, 0x0b, 0x0c),
			 0x08);
	assert_int_equal(tt_pick_affinity(&r, TT_AFF_UNMARKED, 0x0f, 0x0b,
					  0x08), 0x03);
	assert_int_equal(tt_pick_affinity(&r, TT_AFF_MARKED, 0x0f, 0x0b, 0), 0);
	assert_int_equal(tt_pick_affinity(&r, TT_AFF_ALL, 0x0f, 0x0b, 0), 0x0f);
}

static void test_next_due(void **state)
{
	(void)state;
	/* On time: exactly one period on, however late this op ran. */
	assert_int_equal(tt_next_due(1000, 10, 1005), 1010);
	assert_int_equal(tt_next_due(1000, 10, 1012), 1010);
	/* A stall of many periods: restart from now, no burst. */
	assert_int_equal(tt_next_due(1000, 10, 5000), 5000);
}

static void test_args(void **state)
{
	char *dflt[] = { "vfold-torture" };
	char *all[] = { "vfold-torture", "-d", "5", "--seed", "18446744073709551615",
			"--mask-hz", "200", "--drain-ms", "50", "--skip",
			"hotplug,stress-ng", "--bust", "drain_bound", "-v" };
	char *bad_skip[] = { "vfold-torture", "--skip", "hotplug,nope" };
	char *bad_bust[] = { "vfold-torture", "--bust", "stressors_ran" };
	char *bad_seed[] = { "vfold-torture", "-s", "-1" };
	char *bad_hz[] = { "vfold-torture", "--mask-hz", "0" };
	char *extra[] = { "vfold-torture", "now" };
	struct tt_opts o;
	char err[256];

	(void)state;
	assert_int_equal(tt_parse_args(ARGC(dflt), dflt, &o, err, sizeof(err)),
			 0);
	assert_int_equal(o.seconds, 60);
	assert_int_equal(o.mask_hz, 100);
	assert_int_equal(o.drain_ms, 300);
	assert_false(o.seed_given);
	assert_int_equal(tt_parse_args(ARGC(all), all, &o, err, sizeof(err)),
			 0);
	assert_int_equal(o.seconds, 5);
	assert_true(o.seed_given);
	assert_true(o.seed == UINT64_MAX);
	assert_int_equal(o.mask_hz, 200);
	assert_int_equal(o.drain_ms, 50);
	assert_true(o.skip[TT_S_HOTPLUG] && o.skip[TT_S_STRESSNG]);
	assert_false(o.skip[TT_S_MASK]);
	assert_true(o.bust[TT_I_DRAIN]);
	assert_true(o.verbose);
	assert_int_equal(tt_parse_args(ARGC(bad_skip), bad_skip, &o, err,
				       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--skip"));
	assert_int_equal(tt_parse_args(ARGC(bad_bust), bad_bust, &o, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(tt_parse_args(ARGC(bad_seed), bad_seed, &o, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(tt_parse_args(ARGC(bad_hz), bad_hz, &o, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(tt_parse_args(ARGC(extra), extra, &o, err,
				       sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_replays),
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_affinities),
		cmocka_unit_test(test_next_due),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
