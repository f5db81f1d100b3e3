/* objects: vfold-hintd/cgroup.o vfold-hintd/output.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's cgroups against temp directory trees laid out as cgroup
 * v1 and v2 mounts, with a fake /proc/PID/cgroup.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup.h"

#define PID 4242

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_hintd_cgroup.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

/* Each test gets an empty tree. */
static int empty(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* && mkdir -p '%s/proc/%d'",
		 dir, dir, PID);
	return system(cmd);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void put(const char *rel, const char *text)
{
	char path[256], cmd[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_file(const char *rel, const char *text)
{
	char path[256], buf[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: missing", rel);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

static bool present(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return !access(path, F_OK);
}

static void init(struct cgroup_ctx *c)
{
	char proc[128];

	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(cgroup_init(c, dir, proc), 0);
}

static void test_parse(void **state)
{
	const char *v1 = "12:cpuset:/x\n11:cpuacct,cpu:/machine.slice/vm\n"
			 "0::/user.slice\n";
	char path[128];

	(void)state;
	assert_int_equal(cgroup_cpu_path(v1, CGROUP_V1, path, sizeof(path)), 0);
	assert_string_equal(path, "/machine.slice/vm");
	assert_int_equal(cgroup_cpu_path(v1, CGROUP_V2, path, sizeof(path)), 0);
	assert_string_equal(path, "/user.slice");
	assert_int_equal(cgroup_cpu_path("1:cpu:/\n", CGROUP_V1, path,
					 sizeof(path)), 0);
	assert_string_equal(path, "/");
	/* cpuset is not cpu; no line, no path. */
	assert_int_equal(cgroup_cpu_path("3:cpuset:/a\n4:name=systemd:/\n",
					 CGROUP_V1, path, sizeof(path)),
			 -ENOENT);
	assert_int_equal(cgroup_cpu_path("1:cpu:/\n", CGROUP_V2, path,
					 sizeof(path)), -ENOENT);
	assert_int_equal(cgroup_cpu_path("", CGROUP_V2, path, sizeof(path)),
			 -ENOENT);
	assert_int_equal(cgroup_cpu_path("0::/last", CGROUP_V2, path,
					 sizeof(path)), 0);
	assert_string_equal(path, "/last");
}

static void test_detect(void **state)
{
	struct cgroup_ctx c;
	char want[128];

	(void)state;
	assert_int_equal(cgroup_init(&c, dir, "/proc"), -ENOENT);
	put("cpu/cpu.shares", "1024\n");
	assert_int_equal(cgroup_init(&c, dir, "/proc"), 0);
	assert_int_equal(c.mode, CGROUP_V1);
	snprintf(want, sizeof(want), "%s/cpu/vfold", dir);
	assert_string_equal(c.base, want);
	put("cgroup.controllers", "cpuset cpu io memory pids\n");
	assert_int_equal(cgroup_init(&c, dir, "/proc"), 0);
	assert_int_equal(c.mode, CGROUP_V2);
	snprintf(want, sizeof(want), "%s/vfold", dir);
	assert_string_equal(c.base, want);
}

static void test_v1_place(void **state)
{
	struct cgroup_ctx c;
	char where[128];

	(void)state;
	put("cpu/cpu.shares", "1024\n");
	put("proc/4242/cgroup", "3:cpuset:/\n2:cpu,cpuacct:/\n0::/\n");
	init(&c);
	assert_int_equal(cgroup_place(&c, "a", PID, 2, where, sizeof(where)),
			 CGROUP_PLACED);
	assert_string_equal(where, "/vfold/a");
	assert_file("cpu/vfold/a/cpu.shares", "2048\n");
	assert_file("cpu/vfold/a/cgroup.procs", "4242\n");
	assert_false(present("cpu/vfold/cgroup.subtree_control"));

	/* Already in ours (a restart of the daemon): placed again. */
	put("proc/4242/cgroup", "2:cpu,cpuacct:/vfold/a\n");
	assert_int_equal(cgroup_place(&c, "a", PID, 0.5, where, sizeof(where)),
			 CGROUP_PLACED);
	assert_file("cpu/vfold/a/cpu.shares", "512\n");
}

static void test_v1_foreign(void **state)
{
	struct cgroup_ctx c;
	char where[128];

	(void)state;
	put("cpu/cpu.shares", "1024\n");
	put("proc/4242/cgroup", "2:cpu,cpuacct:/machine.slice/qemu-1\n");
	init(&c);
	assert_int_equal(cgroup_place(&c, "a", PID, 1, where, sizeof(where)),
			 CGROUP_FOREIGN);
	assert_string_equal(where, "/machine.slice/qemu-1");
	assert_false(present("cpu/vfold"));

	/* A process gone: its /proc file with it. */
	assert_int_equal(cgroup_place(&c, "a", 999, 1, where, sizeof(where)),
			 -ENOENT);
}

static void test_v2_place(void **state)
{
	struct cgroup_ctx c;
	char where[128];

	(void)state;
	put("cgroup.controllers", "cpu memory\n");
	/* A session scope without the cpu controller: ours to move. */
	put("user.slice/s.scope/cgroup.procs", "");
	put("proc/4242/cgroup", "0::/user.slice/s.scope\n");
	init(&c);
	assert_int_equal(cgroup_place(&c, "b", PID, 3, where, sizeof(where)),
			 CGROUP_PLACED);
	assert_string_equal(where, "/vfold/b");
	assert_file("cgroup.subtree_control", "+cpu");
	assert_file("vfold/cgroup.subtree_control", "+cpu");
	assert_file("vfold/b/cpu.weight", "300\n");
	assert_file("vfold/b/cgroup.procs", "4242\n");

	/* Weights are clamped to cpu.weight's range. */
	assert_int_equal(cgroup_place(&c, "b", PID, 1000, where, sizeof(where)),
			 CGROUP_PLACED);
	assert_file("vfold/b/cpu.weight", "10000\n");
	assert_int_equal(cgroup_place(&c, "b", PID, 0.001, where,
				      sizeof(where)), CGROUP_PLACED);
	assert_file("vfold/b/cpu.weight", "1\n");
}

static void test_v2_foreign(void **state)
{
	struct cgroup_ctx c;
	char where[128];

	(void)state;
	put("cgroup.controllers", "cpu memory\n");
	put("machine.slice/machine-qemu.scope/cpu.weight", "100\n");
	put("proc/4242/cgroup", "0::/machine.slice/machine-qemu.scope\n");
	init(&c);
	assert_int_equal(cgroup_place(&c, "b", PID, 1, where, sizeof(where)),
			 CGROUP_FOREIGN);
	assert_string_equal(where, "/machine.slice/machine-qemu.scope");
	assert_false(present("vfold"));
}

static bool keep_a(const char *name, void *arg)
{
	(void)arg;
	return !strcmp(name, "a");
}

/* The cgroups of VMs that are gone are removed; the others stay. */
static void test_prune(void **state)
{
	struct cgroup_ctx c;
	char path[128];

	(void)state;
	put("cpu/cpu.shares", "1024\n");
	put("cpu/vfold/a/cpu.shares", "1024\n");
	init(&c);
	snprintf(path, sizeof(path), "%s/cpu/vfold/gone", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	cgroup_prune(&c, keep_a, NULL);
	assert_false(present("cpu/vfold/gone"));
	assert_true(present("cpu/vfold/a/cpu.shares"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse, empty),
		cmocka_unit_test_setup(test_detect, empty),
		cmocka_unit_test_setup(test_v1_place, empty),
		cmocka_unit_test_setup(test_v1_foreign, empty),
		cmocka_unit_test_setup(test_v2_place, empty),
		cmocka_unit_test_setup(test_v2_foreign, empty),
		cmocka_unit_test_setup(test_prune, empty),
	};

	return cmocka_run_group_tests_name("hintd_cgroup", tests, setup,
					   teardown);
}
