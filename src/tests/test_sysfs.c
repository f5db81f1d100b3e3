/* objects: tests/fakesys.o */
// SPDX-License-Identifier: GPL-2.0
/* The guest's sysfs files, against a temporary tree. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakesys.h"
#include "sysfs.h"

#define GOV	"devices/system/cpu/paravirt_governor/"

static int setup(void **state)
{
	*state = fakesys_new(8, "steal");
	return 0;
}

static int teardown(void **state)
{
	fakesys_free(*state);
	return 0;
}

static void test_read_trims_newline(void **state)
{
	struct vfold_sysfs s;
	char buf[16];

	vfold_sysfs_init(&s, *state);
	assert_int_equal(vfold_gov_read(&s, "mode", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "steal");
	fakesys_put(*state, GOV "mode", "hint");
	assert_int_equal(vfold_gov_read(&s, "mode", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "hint");
	fakesys_put(*state, GOV "mode", "");
	assert_int_equal(vfold_gov_read(&s, "mode", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* 5 bytes and a NUL do not fit in 5. */
	fakesys_put(*state, GOV "mode", "steal");
	assert_int_equal(vfold_gov_read(&s, "mode", buf, 5), -EOVERFLOW);
	assert_int_equal(vfold_gov_read(&s, "mode", buf, 6), 5);
	/* The '\n' needs no room: it is dropped. */
	fakesys_put(*state, GOV "mode", "steal\n");
	assert_int_equal(vfold_gov_read(&s, "mode", buf, 6), 5);
	assert_int_equal(vfold_gov_read(&s, "mode", buf, 5), -EOVERFLOW);
	assert_int_equal(vfold_gov_read(&s, "nope", buf, sizeof(buf)),
			 -ENOENT);
}

static void test_write(void **state)
{
	struct vfold_sysfs s;

	vfold_sysfs_init(&s, *state);
	assert_int_equal(vfold_gov_write(&s, "mode", "hint"), 0);
	fakesys_expect(*state, GOV "mode", "hint");
	/* A shorter value replaces a longer one entirely. */
	assert_int_equal(vfold_gov_write_u32(&s, "hint_ttl_ms", 1000), 0);
	fakesys_expect(*state, GOV "hint_ttl_ms", "1000");
	assert_int_equal(vfold_gov_write_u32(&s, "hint", 4294967295u), 0);
	fakesys_expect(*state, GOV "hint", "4294967295");
	assert_int_equal(vfold_gov_write(&s, "nope/x", "1"), -ENOENT);
}

/* The errno of a failing write() reaches the caller. */
static void test_write_errno(void **state)
{
	struct vfold_sysfs s;
	char *p;

	vfold_sysfs_init(&s, *state);
	assert_true(asprintf(&p, "%s/" GOV "hint", (char *)*state) > 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/dev/full", p), 0);
	assert_int_equal(vfold_gov_write_u32(&s, "hint", 2), -ENOSPC);
	free(p);
	/* A directory cannot be opened for writing. */
	assert_int_equal(vfold_sysfs_write(&s, "devices", "x"), -EISDIR);
}

static void test_read_u64(void **state)
{
	struct vfold_sysfs s;
	uint64_t v = 7;

	vfold_sysfs_init(&s, *state);
	fakesys_put(*state, GOV "folds", "18446744073709551615\n");
	assert_int_equal(vfold_gov_read_u64(&s, "folds", &v), 0);
	assert_true(v == UINT64_MAX);
	fakesys_put(*state, GOV "folds", "0\n");
	assert_int_equal(vfold_gov_read_u64(&s, "folds", &v), 0);
	assert_true(v == 0);
	v = 7;
	fakesys_put(*state, GOV "folds", "18446744073709551616\n");
	assert_int_equal(vfold_gov_read_u64(&s, "folds", &v), -EINVAL);
	fakesys_put(*state, GOV "folds", "-1\n");
	assert_int_equal(vfold_gov_read_u64(&s, "folds", &v), -EINVAL);
	fakesys_put(*state, GOV "folds", "12x\n");
	assert_int_equal(vfold_gov_read_u64(&s, "folds", &v), -EINVAL);
	fakesys_put(*state, GOV "folds", "\n");
	assert_int_equal(vfold_gov_read_u64(&s, "folds", &v), -EINVAL);
	assert_true(v == 7);
}

static void test_cpus(void **state)
{
	struct vfold_cpuset set;
	struct vfold_sysfs s;

	vfold_sysfs_init(&s, *state);
	assert_int_equal(vfold_nr_online(&s), 8);
	fakesys_put(*state, "devices/system/cpu/online", "0-3,6\n");
	assert_int_equal(vfold_nr_online(&s), 5);
	fakesys_put(*state, "devices/system/cpu/online", "0-3,\n");
	assert_int_equal(vfold_nr_online(&s), -EINVAL);

	assert_int_equal(vfold_paravirt_read(&s, &set), 0);
	assert_int_equal(vfold_cpuset_count(&set), 0);
	assert_int_equal(vfold_cpulist_parse("2-3,5", &set), 0);
	assert_int_equal(vfold_paravirt_write(&s, &set), 0);
	fakesys_expect(*state, "devices/system/cpu/paravirt", "2-3,5\n");
	assert_int_equal(vfold_paravirt_read(&s, &set), 0);
	assert_int_equal(vfold_cpuset_count(&set), 3);
	/* Clearing writes a '\n', which sysfs passes on (0 bytes it drops). */
	vfold_cpuset_zero(&set);
	assert_int_equal(vfold_paravirt_write(&s, &set), 0);
	fakesys_expect(*state, "devices/system/cpu/paravirt", "\n");
}

static void test_gov_present(void **state)
{
	struct vfold_sysfs s;
	char *root = fakesys_new(2, NULL);

	vfold_sysfs_init(&s, root);
	assert_false(vfold_gov_present(&s));
	assert_int_equal(vfold_nr_online(&s), 2);
	fakesys_free(root);
	vfold_sysfs_init(&s, *state);
	assert_true(vfold_gov_present(&s));
}

static void test_paths(void **state)
{
	struct vfold_sysfs s;
	char buf[PATH_MAX + 8], *longroot;

	(void)state;
	vfold_sysfs_init(&s, NULL);
	assert_int_equal(vfold_sysfs_path(&s, VFOLD_GOV_DIR "/hint", buf,
					  sizeof(buf)), 0);
	assert_string_equal(buf,
			    "/sys/devices/system/cpu/paravirt_governor/hint");
	/* "/sys/a" and its NUL need 7 bytes. */
	assert_int_equal(vfold_sysfs_path(&s, "a", buf, 7), 0);
	assert_int_equal(vfold_sysfs_path(&s, "ab", buf, 7), -ENAMETOOLONG);
	longroot = malloc(PATH_MAX + 1);
	memset(longroot, 'r', PATH_MAX);
	longroot[PATH_MAX] = '\0';
	vfold_sysfs_init(&s, longroot);
	assert_int_equal(vfold_gov_write(&s, "hint", "1"), -ENAMETOOLONG);
	free(longroot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_trims_newline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errno, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_u64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gov_present, setup,
						teardown),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests_name("sysfs", tests, NULL, NULL);
}
