/* objects: vfold-bench/hist.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-bench's latency histogram: its buckets, their error, percentiles,
 * merging, and values past the top bucket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../vfold-bench/hist.h"

static struct hist *new_hist(void)
{
	struct hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	hist_init(h);
	return h;
}

/* |a - b| <= b / 100 */
static void assert_within_1pct(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	if (d * 100 > b)
		fail_msg("%llu is not within 1%% of %llu",
			 (unsigned long long)a, (unsigned long long)b);
}

static void test_buckets_round_trip(void **state)
{
	unsigned int i;
	uint64_t v;

	(void)state;
	for (i = 0; i < HIST_SUB; i++) {
		assert_int_equal(hist_index(i), i);
		assert_int_equal(hist_lower(i), i);
		assert_int_equal(hist_upper(i), i);
	}
	for (i = 0; i < HIST_BUCKETS; i++) {
		assert_int_equal(hist_index(hist_lower(i)), i);
		assert_int_equal(hist_index(hist_upper(i)), i);
		if (i + 1 < HIST_BUCKETS)
			assert_int_equal(hist_upper(i) + 1, hist_lower(i + 1));
	}
	/* Every value lies in the bucket it is given, up to 2^40. */
	for (v = 1; v < (1ull << 40); v += v / 7 + 1) {
		i = hist_index(v);
		assert_true(i < HIST_BUCKETS);
		assert_true(hist_lower(i) <= v);
		assert_true(v <= hist_upper(i));
	}
	/* 10 s is below the shared last bucket. */
	assert_true(hist_upper(HIST_BUCKETS - 2) >= 10000000000ull);
	assert_int_equal(hist_upper(HIST_BUCKETS - 1), UINT64_MAX);
}

static void test_relative_error(void **state)
{
	struct hist *h = new_hist();
	uint64_t v, p, lo, hi;
	unsigned int i;

	(void)state;
	/* A bucket is at most 1/128 of its smallest value wide. */
	for (i = HIST_SUB; i < HIST_BUCKETS - 1; i++) {
		lo = hist_lower(i);
		hi = hist_upper(i);
		assert_true((hi - lo + 1) * HIST_SUB <= lo);
	}
	/*
	 * What a percentile gives for a value (the middle of its bucket;
	 * 0 and 2^40 around it keep the min and max from bounding it) is
	 * within 1/256 of the value.
	 */
	for (v = 1; v < (1ull << HIST_TOP_BITS); v += v / 3 + 1) {
		hist_init(h);
		hist_add(h, 0);
		hist_add(h, v);
		hist_add(h, 1ull << 40);
		p = hist_percentile(h, 50);
		assert_true((p > v ? p - v : v - p) * 256 <= v);
	}
	free(h);
}

static void test_percentiles(void **state)
{
	struct hist *h = new_hist();
	uint64_t v;

	(void)state;
	/* Empty: 0 whatever the percentile. */
	assert_int_equal(hist_percentile(h, 0), 0);
	assert_int_equal(hist_percentile(h, 50), 0);
	assert_int_equal(hist_percentile(h, 100), 0);

	/* One value: exactly it, through the min and max. */
	hist_add(h, 12345);
	assert_int_equal(hist_percentile(h, 0), 12345);
	assert_int_equal(hist_percentile(h, 50), 12345);
	assert_int_equal(hist_percentile(h, 99.9), 12345);

	/* 1 .. 100000 once each. */
	hist_init(h);
	for (v = 1; v <= 100000; v++)
		hist_add(h, v);
	assert_int_equal(h->count, 100000);
	assert_int_equal(hist_percentile(h, 0), 1);
	assert_within_1pct(hist_percentile(h, 50), 50000);
	assert_within_1pct(hist_percentile(h, 90), 90000);
	assert_within_1pct(hist_percentile(h, 99), 99000);
	assert_within_1pct(hist_percentile(h, 99.9), 99900);
	assert_int_equal(hist_percentile(h, 100), 100000);

	/* 900 at 1 us, 100 at 1 ms: p90 is still the first, p91 the second. */
	hist_init(h);
	for (v = 0; v < 900; v++)
		hist_add(h, 1000);
	for (v = 0; v < 100; v++)
		hist_add(h, 1000000);
	assert_within_1pct(hist_percentile(h, 50), 1000);
	assert_within_1pct(hist_percentile(h, 90), 1000);
	assert_within_1pct(hist_percentile(h, 91), 1000000);
	assert_int_equal(hist_percentile(h, 99.9), 1000000);
	assert_true(hist_percentile(h, 50) <= hist_percentile(h, 99));
	free(h);
}

static void test_merge(void **state)
{
	struct hist *a = new_hist(), *b = new_hist(), *all = new_hist();
	struct hist *empty = new_hist();
	uint64_t v;

	(void)state;
	for (v = 1; v <= 1000; v++) {
		hist_add(a, v * 1000);
		hist_add(all, v * 1000);
	}
	for (v = 1001; v <= 2000; v++) {
		hist_add(b, v * 1000);
		hist_add(all, v * 1000);
	}
	hist_merge(a, b);
	assert_int_equal(a->count, 2000);
	assert_int_equal(a->min, 1000);
	assert_int_equal(a->max, 2000000);
	assert_memory_equal(a->bucket, all->bucket, sizeof(a->bucket));
	assert_within_1pct(hist_percentile(a, 50), 1000000);
	assert_within_1pct(hist_percentile(a, 75), 1500000);

	/* An empty histogram changes nothing, and takes all from another. */
	hist_merge(a, empty);
	assert_int_equal(a->count, 2000);
	assert_int_equal(a->min, 1000);
	assert_int_equal(a->max, 2000000);
	hist_merge(empty, a);
	assert_int_equal(empty->count, 2000);
	assert_int_equal(empty->min, 1000);
	assert_int_equal(empty->max, 2000000);
	assert_memory_equal(empty->bucket, all->bucket, sizeof(a->bucket));
	free(a);
	free(b);
	free(all);
	free(empty);
}

static void test_beyond_top(void **state)
{
	struct hist *h = new_hist();
	uint64_t big = 100000000000ull;	/* 100 s */

	(void)state;
	assert_int_equal(hist_index(1ull << HIST_TOP_BITS), HIST_BUCKETS - 1);
	assert_int_equal(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
	hist_add(h, 5000);
	hist_add(h, 1ull << HIST_TOP_BITS);
	hist_add(h, big);
	assert_int_equal(h->bucket[HIST_BUCKETS - 1], 2);
	assert_int_equal(h->max, big);
	assert_int_equal(hist_percentile(h, 100), big);
	assert_int_equal(hist_percentile(h, 99.9), big);
	assert_within_1pct(hist_percentile(h, 10), 5000);
	hist_add(h, UINT64_MAX);
	assert_int_equal(hist_percentile(h, 100), UINT64_MAX);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_round_trip),
		cmocka_unit_test(test_relative_error),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_beyond_top),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
