/* objects: */
// SPDX-License-Identifier: GPL-2.0
/* Long options named in full, or refused with the name they abbreviate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "array_size.h"
#include "longopt.h"

static const struct option opts[] = {
	{ "cgroup-root", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "interval-ms", required_argument, NULL, 'i' },
	{ NULL, 0, NULL, 0 },
};

/*
 * getopt_long() over "prog" and @a, @b: the check's verdict on the first
 * option it returns, its message in @msg.
 */
static int first(const char *a, const char *b, char *msg, size_t len)
{
	char *argv[] = { "prog", (char *)a, (char *)b, NULL };
	int argc = b ? 3 : 2, lo = -1;

	optind = 0;
	opterr = 0;
	msg[0] = '\0';
	assert_true(getopt_long(argc, argv, "i:", opts, &lo) > 0);
	if (lo < 0)
		return 0;	/* a short option: nothing to check */
	return vfold_longopt_check(argv, &opts[lo], msg, len);
}

static void test_longopt(void **state)
{
	char msg[128];

	(void)state;
	assert_int_equal(first("--cgroup-root", "/cg", msg, sizeof(msg)), 0);
	assert_int_equal(first("--cgroup-root=/cg", NULL, msg, sizeof(msg)), 0);
	assert_int_equal(first("--json", NULL, msg, sizeof(msg)), 0);
	assert_int_equal(first("-i", "10", msg, sizeof(msg)), 0);
	assert_int_equal(first("-i10", NULL, msg, sizeof(msg)), 0);

	/* A value that looks like the option itself is not the name. */
	assert_int_equal(first("--interval-ms", "--int", msg, sizeof(msg)), 0);

	assert_int_equal(first("--cgroup", "yes", msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "unknown option --cgroup (options are not "
			    "abbreviated: --cgroup-root?)");
	assert_int_equal(first("--int=5", NULL, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "unknown option --int (options are not "
			    "abbreviated: --interval-ms?)");
	assert_int_equal(first("--js", NULL, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(ARRAY_SIZE(opts), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
