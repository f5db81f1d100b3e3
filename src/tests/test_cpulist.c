/* objects: */
// SPDX-License-Identifier: GPL-2.0
/* Parsing and formatting of cpulists, and the CPU set operations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpulist.h"

/* Parses @s and formats it back, which must give @want. */
static void parse_format(const char *s, const char *want, unsigned int count)
{
	struct vfold_cpuset set;
	char buf[512];
	int ret;

	ret = vfold_cpulist_parse(s, &set);
	if (ret)
		fail_msg("parse of \"%s\": %d", s, ret);
	assert_int_equal(vfold_cpuset_count(&set), count);
	ret = vfold_cpulist_format(&set, buf, sizeof(buf));
	assert_int_equal(ret, strlen(want));
	assert_string_equal(buf, want);
}

static void test_parse_valid(void **state)
{
	(void)state;
	parse_format("", "", 0);
	parse_format("0", "0", 1);
	parse_format("0-3,6", "0-3,6", 5);
	parse_format("6,0-3", "0-3,6", 5);
	parse_format("1,2,3,5", "1-3,5", 4);
	parse_format("3-3", "3", 1);
	parse_format("0-1", "0-1", 2);
	parse_format("0-3,2-5", "0-5", 6);
	parse_format("007", "7", 1);
	parse_format("0-7:2", "0,2,4,6", 4);
	parse_format("1-8:3", "1,4,7", 3);
	parse_format("0-3:1", "0-3", 4);
	parse_format("0-3:99999999999", "0", 1);
	parse_format("8191", "8191", 1);
	parse_format("0-8191", "0-8191", VFOLD_CPUS_MAX);
	parse_format("63-64,127-128", "63-64,127-128", 4);
}

static void parse_bad(const char *s, int want)
{
	struct vfold_cpuset set;

	vfold_cpuset_zero(&set);
	vfold_cpuset_set(&set, 5);
	if (vfold_cpulist_parse(s, &set) != want)
		fail_msg("parse of \"%s\": want %d", s, want);
	/* A failed parse leaves @set alone. */
	assert_int_equal(vfold_cpuset_count(&set), 1);
	assert_true(vfold_cpuset_test(&set, 5));
}

static void test_parse_invalid(void **state)
{
	(void)state;
	parse_bad("3-2", -EINVAL);
	parse_bad("0,", -EINVAL);
	parse_bad(",0", -EINVAL);
	parse_bad("0,,1", -EINVAL);
	parse_bad(",", -EINVAL);
	parse_bad("0-", -EINVAL);
	parse_bad("-1", -EINVAL);
	parse_bad("1--2", -EINVAL);
	parse_bad("a", -EINVAL);
	parse_bad("1a", -EINVAL);
	parse_bad(" 1", -EINVAL);
	parse_bad("1 ", -EINVAL);
	parse_bad("1\n", -EINVAL);
	parse_bad("+1", -EINVAL);
	parse_bad("0-3:", -EINVAL);
	parse_bad("0-3:0", -EINVAL);
	parse_bad("3:1", -EINVAL);
	parse_bad("0-3:1:1", -EINVAL);
	parse_bad("8192", -ERANGE);
	parse_bad("0-8192", -ERANGE);
	parse_bad("99999999999999999999999", -ERANGE);
	parse_bad("1,99999999999999999999999", -ERANGE);
}

static void test_format_space(void **state)
{
	struct vfold_cpuset set;
	char buf[8];

	(void)state;
	assert_int_equal(vfold_cpulist_parse("0-3,6", &set), 0);
	/* "0-3,6" and its NUL need 6 bytes. */
	assert_int_equal(vfold_cpulist_format(&set, buf, 6), 5);
	assert_string_equal(buf, "0-3,6");
	assert_int_equal(vfold_cpulist_format(&set, buf, 5), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(vfold_cpulist_format(&set, buf, 0), -ENOSPC);
	vfold_cpuset_zero(&set);
	assert_int_equal(vfold_cpulist_format(&set, buf, 1), 0);
	assert_string_equal(buf, "");
}

static void test_set_ops(void **state)
{
	struct vfold_cpuset a, b, d;

	(void)state;
	assert_int_equal(vfold_cpulist_parse("0-7", &a), 0);
	assert_int_equal(vfold_cpulist_parse("2-3,9", &b), 0);
	vfold_cpuset_andnot(&d, &a, &b);
	assert_int_equal(vfold_cpuset_count(&d), 6);
	assert_true(vfold_cpuset_test(&d, 1));
	assert_false(vfold_cpuset_test(&d, 2));
	assert_false(vfold_cpuset_test(&d, 9));
	assert_false(vfold_cpuset_test(&d, VFOLD_CPUS_MAX));
	vfold_cpuset_set(&d, VFOLD_CPUS_MAX);	/* ignored */
	assert_int_equal(vfold_cpuset_count(&d), 6);
	vfold_cpuset_set(&d, VFOLD_CPUS_MAX - 1);
	assert_true(vfold_cpuset_test(&d, VFOLD_CPUS_MAX - 1));
	assert_int_equal(vfold_cpuset_count(&d), 7);
	vfold_cpuset_clear(&d, VFOLD_CPUS_MAX - 1);
	vfold_cpuset_clear(&d, 2);	/* not set: stays so */
	vfold_cpuset_clear(&d, VFOLD_CPUS_MAX);	/* ignored */
	assert_false(vfold_cpuset_test(&d, VFOLD_CPUS_MAX - 1));
	assert_int_equal(vfold_cpuset_count(&d), 6);
	vfold_cpuset_clear(&d, 0);
	assert_false(vfold_cpuset_test(&d, 0));
	assert_true(vfold_cpuset_test(&d, 1));
	assert_int_equal(vfold_cpuset_count(&d), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_format_space),
		cmocka_unit_test(test_set_ops),
	};

	return cmocka_run_group_tests_name("cpulist", tests, NULL, NULL);
}
