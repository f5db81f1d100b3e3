/* objects: vfold-bench/cli.o vfold-bench/wake.o vfold-bench/pipe.o vfold-bench/hist.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-bench's command line: the options of each subcommand, the values
 * refused, and the exit status of the whole program for each kind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../vfold-bench/cli.h"
#include "number.h"

#define ARGC(a)	((int)(sizeof(a) / sizeof((a)[0])))

static void test_parse_uint(void **state)
{
	unsigned int v = 0;

	(void)state;
	assert_int_equal(vfold_parse_uint("7", 1, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(vfold_parse_uint("010", 1, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(vfold_parse_uint("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(vfold_parse_uint("0", 1, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("11", 1, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("", 1, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint(" 5", 1, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("+5", 1, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("-5", 1, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("5 ", 1, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("0x5", 0, 10, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("1e3", 1, 10000, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("4294967296", 0, UINT32_MAX, &v), -EINVAL);
	assert_int_equal(vfold_parse_uint("99999999999999999999999", 0, UINT32_MAX,
				    &v), -EINVAL);
	assert_int_equal(v, UINT32_MAX);	/* untouched by the failures */
}

static void test_wake_args(void **state)
{
	char *dflt[] = { "wake" };
	char *all[] = { "wake", "-m", "3", "-w", "4", "-r", "5", "-s", "50" };
	char *most[] = { "wake", "-m", "256", "-w", "4" };
	char *help[] = { "wake", "-h" };
	struct wake_opts o;
	char err[256];

	(void)state;
	assert_int_equal(wake_parse_args(ARGC(dflt), dflt, &o, err,
					 sizeof(err)), 0);
	assert_int_equal(o.msg_threads, 2);
	assert_int_equal(o.workers, 2);
	assert_int_equal(o.run_ms, 10000);
	assert_int_equal(o.work_us, 100);

	assert_int_equal(wake_parse_args(ARGC(all), all, &o, err,
					 sizeof(err)), 0);
	assert_int_equal(o.msg_threads, 3);
	assert_int_equal(o.workers, 4);
	assert_int_equal(o.run_ms, 5000);
	assert_int_equal(o.work_us, 50);

	assert_int_equal(wake_parse_args(ARGC(most), most, &o, err,
					 sizeof(err)), 0);
	assert_int_equal(o.msg_threads * o.workers, WAKE_THREADS_MAX);

	assert_int_equal(wake_parse_args(ARGC(help), help, &o, err,
					 sizeof(err)), 1);
}

static void test_wake_bad_args(void **state)
{
	static const struct {
		const char *args[4];
		const char *says;	/* in the message */
	} bad[] = {
		{ { "-m", "0" }, "-m wants" },
		{ { "-m", "-1" }, "-m wants" },
		{ { "-m", "two" }, "\"two\"" },
		{ { "-m", "2x" }, "-m wants" },
		{ { "-m", "" }, "-m wants" },
		{ { "-m", "257" }, "-m wants" },
		{ { "-w", "0" }, "-w wants" },
		{ { "-w", "100000" }, "-w wants" },
		{ { "-r", "0" }, "-r wants" },
		{ { "-r", "1.5" }, "-r wants" },
		{ { "-r", "99999999999999999999" }, "-r wants" },
		{ { "-s", "0" }, "-s wants" },
		{ { "-s", "100001" }, "-s wants" },
		{ { "-m", "256", "-w", "5" }, "more than 1024" },
		{ { "-x" }, "unknown option -x" },
		{ { "-m" }, "-m needs a value" },
		{ { "5" }, "unexpected argument \"5\"" },
		{ { "-r", "1", "now" }, "unexpected argument \"now\"" },
	};
	struct wake_opts o;
	char *argv[5];
	char err[256];
	size_t i;
	int argc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = "wake";
		for (argc = 1; argc < 5 && bad[i].args[argc - 1]; argc++)
			argv[argc] = (char *)bad[i].args[argc - 1];
		err[0] = '\0';
		assert_int_equal(wake_parse_args(argc, argv, &o, err,
						 sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i,
				 err, bad[i].says);
	}
}

static void test_pipe_args(void **state)
{
	static const char *const bad[] = {
		"0", "-5", "x", "1e3", "100000001", "", "12 ",
	};
	char *dflt[] = { "pipe" };
	char *some[] = { "pipe", "-l", "5" };
	char *extra[] = { "pipe", "-l", "5", "more" };
	char *unknown[] = { "pipe", "-m", "5" };
	char *argv[3] = { "pipe", "-l" };
	struct pipe_opts o;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(pipe_parse_args(ARGC(dflt), dflt, &o, err,
					 sizeof(err)), 0);
	assert_int_equal(o.loops, 100000);
	assert_int_equal(pipe_parse_args(ARGC(some), some, &o, err,
					 sizeof(err)), 0);
	assert_int_equal(o.loops, 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[2] = (char *)bad[i];
		assert_int_equal(pipe_parse_args(3, argv, &o, err,
						 sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "-l wants"));
	}
	assert_int_equal(pipe_parse_args(2, argv, &o, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "-l needs a value"));
	assert_int_equal(pipe_parse_args(ARGC(extra), extra, &o, err,
					 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"more\""));
	assert_int_equal(pipe_parse_args(ARGC(unknown), unknown, &o, err,
					 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown option -m"));
}

/* Runs the program with @argv; its stdout and stderr in @out, @errs. */
static int run(int argc, char **argv, char **out, char **errs)
{
	size_t olen, elen;
	FILE *o = open_memstream(out, &olen);
	FILE *e = open_memstream(errs, &elen);
	int ret;

	assert_non_null(o);
	assert_non_null(e);
	ret = bench_main(argc, argv, o, e);
	fclose(o);
	fclose(e);
	return ret;
}

static void test_exit_status(void **state)
{
	char *none[] = { "vfold-bench" };
	char *unknown[] = { "vfold-bench", "sleep" };
	char *bad[] = { "vfold-bench", "wake", "-s", "-100" };
	char *bad_pipe[] = { "vfold-bench", "pipe", "-l", "lots" };
	char *help[] = { "vfold-bench", "--help" };
	char *wake_help[] = { "vfold-bench", "wake", "-h" };
	char *pipe_ok[] = { "vfold-bench", "pipe", "-l", "100" };
	char *out, *errs;

	(void)state;
	assert_int_equal(run(ARGC(none), none, &out, &errs), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(errs, "no subcommand"));
	assert_non_null(strstr(errs, "Usage: vfold-bench"));
	free(out);
	free(errs);

	assert_int_equal(run(ARGC(unknown), unknown, &out, &errs), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(errs, "unknown subcommand \"sleep\""));
	assert_non_null(strstr(errs, "Usage: vfold-bench"));
	free(out);
	free(errs);

	assert_int_equal(run(ARGC(bad), bad, &out, &errs), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(errs, "vfold-bench: wake: -s wants"));
	assert_non_null(strstr(errs, "Usage: vfold-bench"));
	free(out);
	free(errs);

	assert_int_equal(run(ARGC(bad_pipe), bad_pipe, &out, &errs), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(errs, "vfold-bench: pipe: -l wants"));
	free(out);
	free(errs);

	assert_int_equal(run(ARGC(help), help, &out, &errs), 0);
	assert_non_null(strstr(out, "Usage: vfold-bench"));
	assert_string_equal(errs, "");
	free(out);
	free(errs);

	assert_int_equal(run(ARGC(wake_help), wake_help, &out, &errs), 0);
	assert_non_null(strstr(out, "Usage: vfold-bench"));
	free(out);
	free(errs);

	assert_int_equal(run(ARGC(pipe_ok), pipe_ok, &out, &errs), 0);
	assert_string_equal(errs, "");
	assert_int_equal(strncmp(out, "pipe: loops=100 seconds=", 24), 0);
	/* One line. */
	assert_non_null(strchr(out, '\n'));
	assert_string_equal(strchr(out, '\n'), "\n");
	free(out);
	free(errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_wake_args),
		cmocka_unit_test(test_wake_bad_args),
		cmocka_unit_test(test_pipe_args),
		cmocka_unit_test(test_exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
