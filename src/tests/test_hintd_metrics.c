/* objects: vfold-hintd/metrics.o */
// SPDX-License-Identifier: GPL-2.0
/*
 * vfold-hintd's --metrics-file: the Prometheus text format (0.0.4) the
 * node exporter's textfile collector reads, written whole or not at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"
#include "vm.h"

static char text[16384];

static void print(struct vm *const *vms, size_t n,
		  const struct hintd_stats *st)
{
	FILE *f = fmemopen(text, sizeof(text), "w");

	assert_non_null(f);
	assert_int_equal(metrics_print(f, 3, vms, n, st), 0);
	fclose(f);
}

/* VM @a alone, counters 0. */
static void print_one(struct vm *a)
{
	static const struct hintd_stats none;

	print(&a, 1, &none);
}

static void assert_line(const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (strncmp(text, want + 1, strlen(want + 1)) && !strstr(text, want))
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void vm_init(struct vm *vm, const char *name)
{
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->info.name, sizeof(vm->info.name), "%s", name);
	vm->hint.fd = -1;
}

static void test_values(void **state)
{
	static struct vm a, b;
	struct vm *vms[] = { &a, &b };
	struct hintd_stats st = { .intervals = 12, .decisions = 3,
				  .scan_errors = 1 };

	(void)state;
	vm_init(&a, "a");
	vm_init(&b, "b");
	a.info.nr_vcpus = 4;
	a.pol = (struct policy_vm){ .target = 2, .demand = 3.5, .share = 1.5,
				    .weight = 2, .floor = 9 };
	a.use.run = 1.25;
	a.use.wait = 0.5;
	a.hint.has_report = true;
	a.hint.report.demand_milli = 3500;
	a.agent_alive = true;
	b.info.nr_vcpus = 2;
	b.pol = (struct policy_vm){ .target = 1, .weight = 1 };
	print(vms, 2, &st);

	assert_line("# HELP vfold_hintd_capacity_cpus CPUs the VMs share (the host's capacity).");
	assert_line("# TYPE vfold_hintd_capacity_cpus gauge");
	assert_line("vfold_hintd_capacity_cpus 3");
	assert_line("vfold_hintd_vms 2");
	assert_line("# TYPE vfold_hintd_decisions_total counter");
	assert_line("vfold_hintd_decisions_total 3");
	assert_line("vfold_hintd_intervals_total 12");
	assert_line("vfold_hintd_scan_errors_total 1");
	assert_line("# TYPE vfold_hintd_vm_vcpus gauge");
	assert_line("vfold_hintd_vm_vcpus{vm=\"a\"} 4");
	assert_line("vfold_hintd_vm_vcpus{vm=\"b\"} 2");
	assert_line("vfold_hintd_vm_target_cpus{vm=\"a\"} 2");
	assert_line("vfold_hintd_vm_floor_cpus{vm=\"a\"} 4");	/* clamped */
	assert_line("vfold_hintd_vm_floor_cpus{vm=\"b\"} 0");
	assert_line("vfold_hintd_vm_run_cpus{vm=\"a\"} 1.25");
	assert_line("vfold_hintd_vm_wait_cpus{vm=\"a\"} 0.5");
	assert_line("vfold_hintd_vm_demand_cpus{vm=\"a\"} 3.5");
	assert_line("vfold_hintd_vm_share_cpus{vm=\"a\"} 1.5");
	assert_line("vfold_hintd_vm_weight{vm=\"a\"} 2");
	assert_line("vfold_hintd_vm_guest_demand_cpus{vm=\"a\"} 3.5");
	assert_line("vfold_hintd_vm_agent_alive{vm=\"a\"} 1");
	assert_line("vfold_hintd_vm_agent_alive{vm=\"b\"} 0");
	/* b reported nothing: no sample, not a 0. */
	assert_null(strstr(text, "vfold_hintd_vm_guest_demand_cpus{vm=\"b\"}"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_null(strstr(text, "# EOF"));
}

/* Every sample's family has HELP then TYPE before it, each once. */
static void test_families(void **state)
{
	static struct vm a;
	char *save = NULL, *line, family[128] = "", seen[4096] = " ";

	(void)state;
	vm_init(&a, "a");
	print_one(&a);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], key[130];

		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%127s", family);
			snprintf(key, sizeof(key), " %s ", family);
			assert_null(strstr(seen, key));
			strcat(seen, key + 1);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			sscanf(line + 7, "%127s", name);
			assert_string_equal(name, family);
			continue;
		}
		assert_true(line[0] != '#');
		sscanf(line, "%127[^{ ]", name);
		assert_string_equal(name, family);
		assert_int_equal(strncmp(name, "vfold_hintd_", 12), 0);
	}
	/* No VM reported: no guest_demand family at all. */
	assert_null(strstr(seen, "guest_demand"));
}

/* Label values escape backslash, double quote and newline. */
static void test_escape(void **state)
{
	static struct vm a;

	(void)state;
	vm_init(&a, "a\\b\"c\nd");
	print_one(&a);
	assert_line("vfold_hintd_vm_vcpus{vm=\"a\\\\b\\\"c\\nd\"} 0");
}

static void test_special_values(void **state)
{
	static struct vm a;

	(void)state;
	vm_init(&a, "a");
	a.pol.share = __builtin_nan("");
	a.pol.demand = __builtin_inf();
	print_one(&a);
	assert_line("vfold_hintd_vm_share_cpus{vm=\"a\"} NaN");
	assert_line("vfold_hintd_vm_demand_cpus{vm=\"a\"} +Inf");
}

/* The file is replaced whole; the temporary one is gone. */
static void test_write(void **state)
{
	char dir[] = "/tmp/test_hintd_metrics.XXXXXX", path[128], tmp[160];
	static struct vm a;
	struct vm *vms[] = { &a };
	struct hintd_stats st = { .intervals = 1 };
	struct stat sb;
	FILE *f;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vfold.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	vm_init(&a, "a");
	f = fopen(path, "w");
	fputs("stale_marker 1\n", f);
	fclose(f);

	assert_int_equal(metrics_write(path, 2, vms, 1, &st), 0);
	assert_int_equal(stat(tmp, &sb), -1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	f = fopen(path, "r");
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	assert_line("vfold_hintd_intervals_total 1");
	assert_null(strstr(text, "stale_marker"));

	/* A directory that is not there: an error, nothing left behind. */
	snprintf(path, sizeof(path), "%s/no/vfold.prom", dir);
	assert_int_equal(metrics_write(path, 2, vms, 1, &st), -ENOENT);

	snprintf(path, sizeof(path), "%s/vfold.prom", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests_name("hintd_metrics", tests, NULL, NULL);
}
