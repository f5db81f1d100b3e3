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
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
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

/*
 * Each family: HELP, TYPE right after it, then its samples, one each VM;
 * HELP and TYPE once, not once a VM.
 */
static void test_families(void **state)
{
	static struct vm a, b;
	struct vm *vms[] = { &a, &b };
	static const struct hintd_stats none;
	char *save = NULL, *line, family[128] = "", seen[8192] = " ";
	char prev[512] = "";
	unsigned int families = 0, samples = 0;

	(void)state;
	vm_init(&a, "a");
	vm_init(&b, "b");
	/* Both reported: every family has a sample of each. */
	a.hint.has_report = b.hint.has_report = true;
	print(vms, 2, &none);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], key[130], want[300];

		if (!strncmp(line, "# HELP ", 7)) {
			/* The last family had its samples. */
			assert_int_equal(strncmp(prev, "# ", 2) != 0 ||
					 !prev[0], 1);
			sscanf(line + 7, "%127s", family);
			snprintf(key, sizeof(key), " %s ", family);
			assert_null(strstr(seen, key));
			strcat(seen, key + 1);
			families++;
		} else if (!strncmp(line, "# TYPE ", 7)) {
			/* Right after its HELP. */
			snprintf(want, sizeof(want), "# HELP %s ", family);
			assert_int_equal(strncmp(prev, want, strlen(want)), 0);
			sscanf(line + 7, "%127s", name);
			assert_string_equal(name, family);
		} else {
			assert_true(line[0] != '#');
			assert_int_equal(strncmp(prev, "# HELP ", 7) != 0, 1);
			sscanf(line, "%127[^{ ]", name);
			assert_string_equal(name, family);
			assert_int_equal(strncmp(name, "vfold_hintd_", 12), 0);
			samples++;
		}
		snprintf(prev, sizeof(prev), "%s", line);
	}
	assert_int_equal(strncmp(prev, "# ", 2) != 0, 1);
	/* 5 of the host, 10 of the VMs with two samples each. */
	assert_int_equal(families, 15);
	assert_int_equal(samples, 5 + 10 * 2);
	assert_non_null(strstr(seen, " vfold_hintd_vm_guest_demand_cpus "));

	/* No VM reported: no guest_demand family at all. */
	vm_init(&a, "a");
	print_one(&a);
	assert_null(strstr(text, "guest_demand"));
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

/* The names in @dir but . and .., sorted, blank-separated. */
static void ls(const char *dir, char *buf, size_t len)
{
	struct dirent **names;
	int n, i;

	buf[0] = '\0';
	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") &&
		    strcmp(names[i]->d_name, ".."))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len;

	assert_non_null(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
}

static void put_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

/*
 * The file is replaced whole; no temporary one is left, after a success
 * or a failure, and a failure leaves the old file as it was.
 */
static void test_write(void **state)
{
	char dir[] = "/tmp/test_hintd_metrics.XXXXXX", path[128], other[128];
	char names[512];
	static struct vm a;
	struct vm *vms[] = { &a };
	struct hintd_stats st = { .intervals = 1 };
	struct rlimit fsize, small;
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vfold.prom", dir);
	vm_init(&a, "a");
	put_file(path, "stale_marker 1\n");

	assert_int_equal(metrics_write(path, 2, vms, 1, &st), 0);
	ls(dir, names, sizeof(names));
	assert_string_equal(names, "vfold.prom");
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0644);
	read_text(path);
	assert_line("vfold_hintd_intervals_total 1");
	assert_null(strstr(text, "stale_marker"));

	/*
	 * Links where the temporary file used to be (PATH.tmp) and beside
	 * it are not written through, nor renamed over the file.
	 */
	snprintf(other, sizeof(other), "%s/other", dir);
	put_file(other, "not yours\n");
	snprintf(names, sizeof(names), "%s.tmp", path);
	assert_int_equal(symlink(other, names), 0);
	st.intervals = 2;
	assert_int_equal(metrics_write(path, 2, vms, 1, &st), 0);
	read_text(other);
	assert_string_equal(text, "not yours\n");
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	read_text(path);
	assert_line("vfold_hintd_intervals_total 2");
	unlink(names);
	unlink(other);

	/* A write that fails (the file size limit): the old file stays. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &fsize), 0);
	small = fsize;
	small.rlim_cur = 64;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	st.intervals = 3;
	assert_int_equal(metrics_write(path, 2, vms, 1, &st), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &fsize), 0);
	signal(SIGXFSZ, SIG_DFL);
	ls(dir, names, sizeof(names));
	assert_string_equal(names, "vfold.prom");
	read_text(path);
	assert_line("vfold_hintd_intervals_total 2");

	/* A rename that fails (a directory of that name): nothing left. */
	snprintf(other, sizeof(other), "%s/d.prom", dir);
	assert_int_equal(mkdir(other, 0755), 0);
	snprintf(names, sizeof(names), "%s/d.prom/x", dir);
	put_file(names, "");
	assert_true(metrics_write(other, 2, vms, 1, &st) < 0);
	ls(dir, names, sizeof(names));
	assert_string_equal(names, "d.prom vfold.prom");
	snprintf(names, sizeof(names), "%s/d.prom/x", dir);
	unlink(names);
	rmdir(other);

	/* A directory that is not there: an error, nothing left behind. */
	snprintf(other, sizeof(other), "%s/no/vfold.prom", dir);
	assert_int_equal(metrics_write(other, 2, vms, 1, &st), -ENOENT);
	ls(dir, names, sizeof(names));
	assert_string_equal(names, "vfold.prom");
	read_text(path);
	assert_line("vfold_hintd_intervals_total 2");

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
