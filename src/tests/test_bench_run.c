/* objects: vfold-bench/wake.o vfold-bench/pipe.o vfold-bench/hist.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-bench's benchmarks run for real, briefly, and the lines they
 * print: wake with one and with several workers (all must stop at the
 * deadline), pipe with a few loops.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../vfold-bench/pipe.h"
#include "../vfold-bench/wake.h"

static void test_wake_format(void **state)
{
	struct wake_result *r = calloc(1, sizeof(*r));
	char line[256];
	int i;

	(void)state;
	assert_non_null(r);
	hist_init(&r->lat);
	for (i = 0; i < 4000; i++)
		hist_add(&r->lat, 1500);
	hist_add(&r->lat, 2345678);
	r->msg_threads = 2;
	r->workers = 3;
	r->requests = 4001;
	r->elapsed_ns = 2000000000;
	wake_format(line, sizeof(line), r);
	assert_string_equal(line, "wake: requests=4001 rps=2000.5 p50_us=2 "
			    "p90_us=2 p99_us=2 p999_us=2 max_us=2346 "
			    "seconds=2.00 threads=2*3");

	/* Nothing measured: zeros, not a division by zero. */
	hist_init(&r->lat);
	r->requests = 0;
	r->elapsed_ns = 0;
	wake_format(line, sizeof(line), r);
	assert_string_equal(line, "wake: requests=0 rps=0.0 p50_us=0 "
			    "p90_us=0 p99_us=0 p999_us=0 max_us=0 "
			    "seconds=0.00 threads=2*3");
	free(r);
}

static void test_pipe_format(void **state)
{
	struct pipe_result r = { .loops = 1000, .elapsed_ns = 2500000 };
	char line[256];

	(void)state;
	pipe_format(line, sizeof(line), &r);
	assert_string_equal(line, "pipe: loops=1000 seconds=0.002500 "
			    "usecs_per_op=2.500 ops_per_sec=400000");
}

/* Runs wake for @ms and checks the result and its line. */
static void run_wake(unsigned int m, unsigned int w, unsigned int ms)
{
	struct wake_opts o = { .msg_threads = m, .workers = w, .run_ms = ms,
			       .work_us = 100 };
	struct wake_result *r = malloc(sizeof(*r));
	uint64_t requests, p50, p99, max;
	unsigned int tm, tw;
	double rps, secs;
	char line[256];
	char err[256];

	assert_non_null(r);
	assert_int_equal(wake_run(&o, r, err, sizeof(err)), 0);
	assert_true(r->requests > 0);
	assert_int_equal(r->lat.count, r->requests);
	assert_true(r->work_loops > 0);
	/* The deadline, and the requests out then: not much more. */
	assert_true(r->elapsed_ns >= (uint64_t)ms * 1000000);
	assert_true(r->elapsed_ns < (uint64_t)ms * 1000000 + 2000000000);
	p50 = hist_percentile(&r->lat, 50);
	p99 = hist_percentile(&r->lat, 99);
	assert_true(p50 <= p99);
	assert_true(p99 <= r->lat.max);

	wake_format(line, sizeof(line), r);
	assert_int_equal(sscanf(line, "wake: requests=%" SCNu64 " rps=%lf "
				"p50_us=%" SCNu64 " p90_us=%*u p99_us=%" SCNu64
				" p999_us=%*u max_us=%" SCNu64 " seconds=%lf "
				"threads=%u*%u", &requests, &rps, &p50, &p99,
				&max, &secs, &tm, &tw), 8);
	assert_int_equal(requests, r->requests);
	assert_true(rps > 0);
	assert_true(p50 <= p99 && p99 <= max);
	assert_true(secs >= ms / 1000.0 - 0.01);
	assert_int_equal(tm, m);
	assert_int_equal(tw, w);
	print_message("# %s\n", line);
	free(r);
}

static void test_wake_1x1(void **state)
{
	(void)state;
	run_wake(1, 1, 300);
}

/* Several workers out at the deadline, and some asleep. */
static void test_wake_2x3(void **state)
{
	(void)state;
	run_wake(2, 3, 200);
}

static void test_pipe(void **state)
{
	struct pipe_opts o = { .loops = 2000 };
	struct pipe_result r;
	unsigned int loops;
	double secs, us;
	uint64_t ops;
	char line[256];
	char err[256];

	(void)state;
	assert_int_equal(pipe_run(&o, &r, err, sizeof(err)), 0);
	assert_int_equal(r.loops, 2000);
	assert_true(r.elapsed_ns > 0);
	pipe_format(line, sizeof(line), &r);
	assert_int_equal(sscanf(line, "pipe: loops=%u seconds=%lf "
				"usecs_per_op=%lf ops_per_sec=%" SCNu64,
				&loops, &secs, &us, &ops), 4);
	assert_int_equal(loops, 2000);
	assert_true(secs > 0 && secs < 60);
	/* A round trip is two wakeups: more than 0.1 us, less than 30 ms. */
	assert_true(us > 0.1 && us < 30000);
	assert_true(ops > 0);
	print_message("# %s\n", line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_format),
		cmocka_unit_test(test_pipe_format),
		cmocka_unit_test(test_wake_1x1),
		cmocka_unit_test(test_wake_2x3),
		cmocka_unit_test(test_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
